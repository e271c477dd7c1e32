#include "verdict.hpp"

#include <bsvpeer/conn/user_agent_filter.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>

namespace bsvpeer::crawl {

namespace {

constexpr std::array<std::string_view, 6> kChainNames{"pending", "bsv",     "bch",
                                                      "btc",     "unknown", "unreachable"};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Agents of BSV node software: SV Node, Teranode, and ours.
constexpr std::array<std::string_view, 3> kBsvAgents{"bitcoin sv", "teranode", "bsvpeer"};

std::optional<std::string_view> bsv_agent(std::string_view user_agent) {
  const std::string ua = lower(user_agent);
  for (auto pattern : kBsvAgents) {
    if (ua.find(pattern) != std::string::npos) return pattern;
  }
  return std::nullopt;
}

std::string quoted(std::string_view s) {
  return "'" + conn::sanitize_user_agent(s) + "'";
}

}  // namespace

std::string_view to_string(Chain chain) noexcept {
  return kChainNames[static_cast<std::size_t>(chain)];
}

std::optional<Chain> parse_chain(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kChainNames.size(); ++i) {
    if (kChainNames[i] == text) return static_cast<Chain>(i);
  }
  return std::nullopt;
}

std::optional<Verdict> verdict_from_user_agent(std::string_view user_agent) {
  static const conn::UserAgentFilter filter;
  if (auto pattern = filter.banned_pattern(user_agent)) {
    return Verdict{Chain::bch,
                   "bch_user_agent",
                   {"user agent " + quoted(user_agent) + " contains '" + *pattern +
                    "' (SV Node's default ban list: BCH/ABC clients)"}};
  }
  if (lower(user_agent).find("/satoshi:") != std::string::npos && !bsv_agent(user_agent)) {
    return Verdict{Chain::btc,
                   "btc_user_agent",
                   {"user agent " + quoted(user_agent) + " is Bitcoin Core's ('/Satoshi:')"}};
  }
  return std::nullopt;
}

bool bsv_candidate(const Observation& o) {
  if (!o.handshaked || verdict_from_user_agent(o.user_agent)) return false;
  return o.protoconf || bsv_agent(o.user_agent).has_value();
}

std::optional<std::int32_t> best_bsv_height(const std::vector<std::int32_t>& heights) {
  if (heights.empty()) return std::nullopt;
  if (heights.size() == 1) return heights.front();
  std::vector<std::int32_t> sorted = heights;
  std::nth_element(sorted.begin(), sorted.begin() + 1, sorted.end(), std::greater<>());
  return sorted[1];
}

Verdict classify(const Observation& o, std::optional<std::int32_t> best,
                 const VerdictRules& rules) {
  if (!o.contacted) return Verdict{Chain::pending, "not_contacted", {"not contacted yet"}};
  if (!o.handshaked) {
    const std::string code = o.failure.empty() ? "no_handshake" : o.failure;
    return Verdict{Chain::unreachable, code, {"no handshake: " + code}};
  }
  if (auto early = verdict_from_user_agent(o.user_agent)) {
    if (o.protoconf) early->reasons.push_back("sent protoconf, which only BSV nodes send");
    return *early;
  }
  Verdict v;
  const auto agent = bsv_agent(o.user_agent);
  if (agent) v.reasons.push_back("user agent " + quoted(o.user_agent) + " is BSV node software");
  if (o.protoconf) v.reasons.push_back("sent protoconf (BSV only)");
  if (!agent && !o.protoconf) {
    return Verdict{Chain::unknown,
                   "no_bsv_evidence",
                   {"user agent " + quoted(o.user_agent) +
                    " is not BSV node software and no protoconf was sent"}};
  }
  if (!o.protoconf) v.reasons.push_back("no protoconf (SV Node before 1.0 or a look-alike)");
  if (best) {
    if (o.start_height > *best + rules.max_above_best) {
      return Verdict{Chain::unknown,
                     "height_above_bsv",
                     {"start height " + std::to_string(o.start_height) + " is " +
                      std::to_string(o.start_height - *best) + " above the best BSV height " +
                      std::to_string(*best) + ": another chain"}};
    }
    if (o.start_height < *best - rules.max_behind_best) {
      v.reasons.push_back("start height " + std::to_string(o.start_height) + " is " +
                          std::to_string(*best - o.start_height) +
                          " behind the best BSV height (syncing or stuck)");
    } else {
      v.reasons.push_back("start height " + std::to_string(o.start_height) +
                          " matches the best BSV height " + std::to_string(*best));
    }
  }
  v.chain = Chain::bsv;
  v.code = "bsv";
  return v;
}

}  // namespace bsvpeer::crawl
