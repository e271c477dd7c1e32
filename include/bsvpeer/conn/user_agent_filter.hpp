#pragma once
// SV's -banclientua / -allowclientua (bsv-protocol.md §8.1): BCH and ABC clients share BSV's
// magic and port, so SV tells them apart by user-agent substrings. Matching is a
// case-insensitive substring test on the sanitised user agent; the allow list wins.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bsvpeer::conn {

// SV's DEFAULT_CLIENTUA_BAN_PATTERNS.
std::vector<std::string> default_banned_user_agents();

// SV's SanitizeString(SAFE_CHARS_DEFAULT): drops every character outside
// [A-Za-z0-9 .,;-_/:?@()], so control bytes cannot hide a banned pattern.
std::string sanitize_user_agent(std::string_view user_agent);

class UserAgentFilter {
 public:
  UserAgentFilter();  // SV's defaults: ban "abc", "cash", "bch"; allow nothing
  UserAgentFilter(std::vector<std::string> banned, std::vector<std::string> allowed);

  // The ban pattern the (sanitised) user agent contains, unless it also contains an allowed
  // pattern; nullopt when the user agent is acceptable.
  std::optional<std::string> banned_pattern(std::string_view user_agent) const;
  bool is_banned(std::string_view user_agent) const {
    return banned_pattern(user_agent).has_value();
  }

 private:
  std::vector<std::string> banned_;   // lower-cased
  std::vector<std::string> allowed_;  // lower-cased
};

}  // namespace bsvpeer::conn
