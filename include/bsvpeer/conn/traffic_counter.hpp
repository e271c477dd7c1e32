#pragma once
// One connection's messages and bytes per command, kept compact: a connection sees a handful
// of commands, so one small flat array holds both directions (a map node per command and
// direction cost a held connection more than half a kilobyte). Same rules as MessageStats
// (whole frames, at most kMaxCommands distinct commands per direction, the rest as "*other*"),
// into which stats() turns it.
#include <bsvpeer/conn/message_stats.hpp>

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace bsvpeer::conn {

class TrafficCounter {
 public:
  void add_sent(std::string_view command, std::uint64_t bytes);
  void add_received(std::string_view command, std::uint64_t bytes);
  MessageStats stats() const;

 private:
  static constexpr std::size_t kCommandSize = 12;  // the wire's command field
  struct Entry {
    std::array<char, kCommandSize> command{};  // NUL-padded, as on the wire
    CommandTraffic sent, received;
    std::string_view name() const;
  };
  enum class Flow { sent, received };  // not conn::Direction: a message's way, not the link's
  void add(Flow flow, std::string_view command, std::uint64_t bytes);

  std::vector<Entry> entries_;
  std::uint32_t distinct_sent_ = 0;
  std::uint32_t distinct_received_ = 0;
};

}  // namespace bsvpeer::conn
