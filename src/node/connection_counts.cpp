#include <bsvpeer/node/connection_counts.hpp>

namespace bsvpeer::node {

void ConnectionCounts::set(std::uint64_t id, bool handshaked, bool holds_slot) {
  remove(id);
  counted_.emplace(id, Counted{handshaked, holds_slot});
  handshaked_ += handshaked ? 1 : 0;
  with_slot_ += holds_slot ? 1 : 0;
}

void ConnectionCounts::remove(std::uint64_t id) {
  auto it = counted_.find(id);
  if (it == counted_.end()) return;
  handshaked_ -= it->second.handshaked ? 1 : 0;
  with_slot_ -= it->second.slot ? 1 : 0;
  counted_.erase(it);
}

void ConnectionCounts::clear() {
  counted_.clear();
  handshaked_ = with_slot_ = 0;
}

}  // namespace bsvpeer::node
