#include <bsvpeer/conn/user_agent_filter.hpp>

#include <algorithm>
#include <iterator>
#include <utility>

namespace bsvpeer::conn {
namespace {

char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

std::vector<std::string> lower_all(std::vector<std::string> patterns) {
  for (auto& p : patterns)
    p = lower(p);
  return patterns;
}

bool is_safe_char(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  constexpr std::string_view kPunctuation = " .,;-_/:?@()";
  return kPunctuation.find(c) != std::string_view::npos;
}

}  // namespace

std::vector<std::string> default_banned_user_agents() {
  return {"abc", "cash", "bch"};
}

std::string sanitize_user_agent(std::string_view user_agent) {
  std::string out;
  out.reserve(user_agent.size());
  std::copy_if(user_agent.begin(), user_agent.end(), std::back_inserter(out), is_safe_char);
  return out;
}

UserAgentFilter::UserAgentFilter() : UserAgentFilter(default_banned_user_agents(), {}) {}

UserAgentFilter::UserAgentFilter(std::vector<std::string> banned, std::vector<std::string> allowed)
    : banned_(lower_all(std::move(banned))), allowed_(lower_all(std::move(allowed))) {}

std::optional<std::string> UserAgentFilter::banned_pattern(std::string_view user_agent) const {
  const std::string clean = lower(sanitize_user_agent(user_agent));
  const auto contains = [&clean](const std::string& pattern) {
    return clean.find(pattern) != std::string::npos;
  };
  const auto hit = std::find_if(banned_.begin(), banned_.end(), contains);
  if (hit == banned_.end()) return std::nullopt;
  if (std::any_of(allowed_.begin(), allowed_.end(), contains)) return std::nullopt;
  return *hit;
}

}  // namespace bsvpeer::conn
