#pragma once
// Messages and bytes per command, sent and received, counted as bitcoind counts its
// bytessent_per_msg/bytesrecv_per_msg: the whole frame (header + payload). A connection keeps one
// on its strand; the Manager folds closed connections into its totals.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace bsvpeer::conn {

struct CommandTraffic {
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
};

struct MessageStats {
  // A peer chooses its commands: beyond this many distinct ones per direction, the rest are
  // counted under kOtherCommand (SV's "*other*"), so a map never grows without bound.
  static constexpr std::size_t kMaxCommands = 64;
  static constexpr std::string_view kOtherCommand = "*other*";

  std::map<std::string, CommandTraffic, std::less<>> sent, received;

  // No allocation once the command has an entry.
  void add_sent(std::string_view command, std::uint64_t bytes) { add(sent, command, 1, bytes); }
  void add_received(std::string_view command, std::uint64_t bytes) {
    add(received, command, 1, bytes);
  }
  void merge(const MessageStats& other);

  static void add(std::map<std::string, CommandTraffic, std::less<>>& map, std::string_view command,
                  std::uint64_t messages, std::uint64_t bytes);
};

}  // namespace bsvpeer::conn
