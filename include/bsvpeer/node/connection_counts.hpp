#pragma once
// The Manager's connection figures (handshaked, holding a slot), kept incrementally: each
// connection's contribution as last counted, so an event costs O(1), not a walk of every
// connection (at thousands of peers that walk was a large share of each handshake's CPU).
#include <cstddef>
#include <cstdint>
#include <unordered_map>

namespace bsvpeer::node {

class ConnectionCounts {
 public:
  // Connection `id` now counts as this, replacing what it counted before.
  void set(std::uint64_t id, bool handshaked, bool holds_slot);
  void remove(std::uint64_t id);
  void clear();

  std::size_t handshaked() const noexcept { return handshaked_; }
  std::size_t with_slot() const noexcept { return with_slot_; }
  std::size_t tracked() const noexcept { return counted_.size(); }

 private:
  struct Counted {
    bool handshaked = false;
    bool slot = false;
  };
  std::unordered_map<std::uint64_t, Counted> counted_;
  std::size_t handshaked_ = 0, with_slot_ = 0;
};

}  // namespace bsvpeer::node
