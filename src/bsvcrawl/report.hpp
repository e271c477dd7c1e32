#pragma once
// The crawl's results for people and tools: every node with its verdict, the totals, and the
// writers of the output files (nodes.json, nodes.csv, the dnsmasq seed list). The HTML report
// is in html_report.hpp. Pure functions of the state.
#include "crawl_state.hpp"
#include "verdict.hpp"

#include <optional>
#include <string>
#include <vector>

namespace bsvpeer::crawl {

inline constexpr int kNodesSchemaVersion = 1;

struct ClassifiedNode {
  const NodeRecord* record = nullptr;
  Verdict verdict;
};

struct Totals {
  std::size_t known = 0;
  std::size_t contacted = 0;  // a visit ended (any round)
  std::size_t answered = 0;   // the last visit handshaked
  std::size_t bsv = 0, bch = 0, btc = 0, unknown = 0, unreachable = 0, pending = 0;
};

struct CrawlReport {
  const CrawlState* state = nullptr;
  UnixSeconds generated_at = 0;
  std::optional<std::int32_t> best_bsv_height;
  std::vector<ClassifiedNode> nodes;  // ordered by address
  Totals totals;
};

// `state` must outlive the report.
CrawlReport build_report(const CrawlState& state, UnixSeconds now, const VerdictRules& rules = {});

// nodes.json: one record per node (schema: src/bsvcrawl/nodes.schema.json, README.md).
std::string nodes_json(const CrawlReport& report);
// nodes.csv: RFC 4180, a header line then one line per node.
std::string nodes_csv(const CrawlReport& report);
inline constexpr const char* kCsvHeader =
    "address,ip,port,source,verdict,verdict_code,user_agent,version,services,start_height,"
    "protoconf,rtt_ms,addr_answered,addr_count,rounds_seen,rounds_answered,uptime,last_success,"
    "error";
// Splits CSV text into rows of fields (RFC 4180 quoting); for tests and tools.
std::vector<std::vector<std::string>> parse_csv(std::string_view text);

struct SeedListOptions {
  std::string name = "seed.bsvcrawl.local";  // the DNS name the records answer to
  std::uint16_t port = 0;                    // only nodes on this port (DNS has no ports)
  std::size_t max = 1000;
  double min_uptime = 0.5;  // answered / seen over the rounds
};

// The good BSV nodes (verdict bsv, last visit answered, on `port`, uptime at least
// `min_uptime`), most reliable first, as a hosts file for dnsmasq's --addn-hosts: one
// "ip name" line each, so `dnsmasq --addn-hosts=FILE` answers A/AAAA queries for `name`.
std::string seed_hosts(const CrawlReport& report, const SeedListOptions& options);

}  // namespace bsvpeer::crawl
