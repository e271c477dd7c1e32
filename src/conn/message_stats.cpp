#include <bsvpeer/conn/message_stats.hpp>

namespace bsvpeer::conn {

void MessageStats::add(std::map<std::string, CommandTraffic, std::less<>>& map,
                       std::string_view command, std::uint64_t messages, std::uint64_t bytes) {
  auto it = map.find(command);
  if (it == map.end()) {
    if (map.size() >= kMaxCommands) command = kOtherCommand;
    it = map.try_emplace(std::string(command)).first;
  }
  it->second.messages += messages;
  it->second.bytes += bytes;
}

void MessageStats::merge(const MessageStats& other) {
  for (const auto& [command, t] : other.sent)
    add(sent, command, t.messages, t.bytes);
  for (const auto& [command, t] : other.received)
    add(received, command, t.messages, t.bytes);
}

}  // namespace bsvpeer::conn
