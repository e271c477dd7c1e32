#pragma once
// The crawl's state on disk (crawl_state.json next to the node's peers.json): the round, every
// node's record and the progress samples, so a stopped or killed crawl resumes where its last
// save left it. Written atomically: temp file, fsync, rename, fsync of the directory.
#include "node_record.hpp"

#include <bsvpeer/net/network.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace bsvpeer::crawl {

inline constexpr int kCrawlStateVersion = 1;

// One point of the "progress over time" chart.
struct ProgressSample {
  double t_s = 0;  // crawl time (summed over runs) in seconds
  std::size_t known = 0;
  std::size_t contacted = 0;  // visits ended in the current round
  std::size_t answered = 0;   // ... with a handshake
  std::size_t bsv = 0;
  friend bool operator==(const ProgressSample&, const ProgressSample&) = default;
};

struct CrawlState {
  std::string network;
  std::uint64_t round = 1;             // the round being crawled (or the last one)
  std::uint64_t rounds_completed = 0;  // rounds whose every node was visited
  UnixSeconds round_started_at = 0;
  UnixSeconds round_ended_at = 0;  // 0 while the round runs
  double crawl_seconds = 0;        // time spent crawling, summed over runs
  std::vector<ProgressSample> progress;
  std::map<peer::PeerEndpoint, NodeRecord> nodes;

  friend bool operator==(const CrawlState&, const CrawlState&) = default;
};

// Keeps at most `max` samples by dropping every other old one (the chart needs the shape).
void add_progress_sample(std::vector<ProgressSample>& samples, ProgressSample sample,
                         std::size_t max = 2000);

nlohmann::json state_to_json(const CrawlState& state);
// Throws on a malformed document.
CrawlState state_from_json(const nlohmann::json& j);

struct StateMissing {};
struct StateError {
  std::string what;
};
using LoadedState = std::variant<CrawlState, StateMissing, StateError>;

LoadedState load_state(const std::filesystem::path& path);
// Empty on success, else the failed step and why.
std::string save_state(const std::filesystem::path& path, const CrawlState& state);

// Writes `text` to `path` atomically; empty on success, else what failed.
std::string write_file_atomic(const std::filesystem::path& path, std::string_view text);

}  // namespace bsvpeer::crawl
