#include <bsvpeer/conn/traffic_counter.hpp>

#include <algorithm>
#include <cstring>

namespace bsvpeer::conn {

std::string_view TrafficCounter::Entry::name() const {
  return {command.data(), ::strnlen(command.data(), command.size())};
}

void TrafficCounter::add_sent(std::string_view command, std::uint64_t bytes) {
  add(Flow::sent, command, bytes);
}

void TrafficCounter::add_received(std::string_view command, std::uint64_t bytes) {
  add(Flow::received, command, bytes);
}

void TrafficCounter::add(Flow flow, std::string_view command, std::uint64_t bytes) {
  // Longer than the wire's field cannot come from a frame; counted as other, never cut short
  // into another command's name.
  if (command.size() > kCommandSize) command = MessageStats::kOtherCommand;
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [command](const Entry& e) { return e.name() == command; });
  auto& distinct = flow == Flow::sent ? distinct_sent_ : distinct_received_;
  const auto counted = [flow](const Entry& e) {
    return (flow == Flow::sent ? e.sent : e.received).messages != 0;
  };
  if (it == entries_.end() || !counted(*it)) {
    if (distinct >= MessageStats::kMaxCommands && command != MessageStats::kOtherCommand) {
      // The bound of MessageStats: a peer choosing new commands cannot grow this.
      return add(flow, MessageStats::kOtherCommand, bytes);
    }
    ++distinct;
    if (it == entries_.end()) {
      if (entries_.empty()) entries_.reserve(8);  // a handshake and steady traffic fit in one
      Entry e;
      std::copy(command.begin(), command.end(), e.command.begin());
      it = entries_.insert(entries_.end(), e);
    }
  }
  auto& t = flow == Flow::sent ? it->sent : it->received;
  t.messages += 1;
  t.bytes += bytes;
}

MessageStats TrafficCounter::stats() const {
  MessageStats out;
  for (const auto& e : entries_) {
    if (e.sent.messages != 0) out.sent.emplace(std::string(e.name()), e.sent);
    if (e.received.messages != 0) out.received.emplace(std::string(e.name()), e.received);
  }
  return out;
}

}  // namespace bsvpeer::conn
