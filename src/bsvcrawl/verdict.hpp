#pragma once
// Which chain a crawled node is on, and why. BSV, BCH and BTC nodes share message formats (and
// BSV/BCH share magic and port), so a node is judged on what it told us: its user agent, whether
// it sent protoconf (only SV Node and its descendants do), and its start height against the best
// height the BSV nodes of the crawl report. Every verdict carries a machine code and the
// human-readable reasons behind it. A pure core.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bsvpeer::crawl {

enum class Chain { pending, bsv, bch, btc, unknown, unreachable };

std::string_view to_string(Chain chain) noexcept;
std::optional<Chain> parse_chain(std::string_view text) noexcept;

// What one visit learnt about a node, as far as the verdict needs it.
struct Observation {
  bool contacted = false;   // a visit ended (false: never dialled, or cut short)
  bool handshaked = false;  // version and verack exchanged
  std::string failure;      // why the visit failed (a DisconnectReason name), when not handshaked
  std::string user_agent;
  std::int32_t start_height = -1;
  bool protoconf = false;
};

struct VerdictRules {
  // A BSV-looking node whose start height is this far above the best BSV height is on another
  // chain (or lies): the best height moves by about 144 a day, so a day's margin.
  std::int32_t max_above_best = 144;
  // Further behind than this is recorded as a reason ("syncing or stuck"), still BSV.
  std::int32_t max_behind_best = 2016;
};

struct Verdict {
  Chain chain = Chain::pending;
  std::string code;  // e.g. "bsv", "bch_user_agent", "btc_user_agent", "connect_failed"
  std::vector<std::string> reasons;
  friend bool operator==(const Verdict&, const Verdict&) = default;
};

// A decision from the user agent alone, possible as soon as the version arrives: BCH (SV's
// default ban patterns) or BTC (Bitcoin Core's "/Satoshi:" agent). nullopt: wait for more.
std::optional<Verdict> verdict_from_user_agent(std::string_view user_agent);

// True when the node shows BSV evidence (user agent or protoconf) and no other chain's agent:
// its start height takes part in best_bsv_height and its addr answer is crawled further.
bool bsv_candidate(const Observation& observation);

// The best BSV height: the second highest start height among the candidates (the highest when
// there is only one), so a single node lying about its height cannot move it.
std::optional<std::int32_t> best_bsv_height(const std::vector<std::int32_t>& candidate_heights);

Verdict classify(const Observation& observation, std::optional<std::int32_t> best_height,
                 const VerdictRules& rules = {});

}  // namespace bsvpeer::crawl
