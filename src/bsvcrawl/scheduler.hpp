#pragma once
// The crawl frontier: which node to dial next. Each known node is dialled once per round, in
// the order it was learnt (breadth first from the seeds), with at most `concurrency` visits in
// flight and new dials spaced by a token bucket (`rate_per_s`, `burst`) shared by the whole
// crawl. A pure core: the caller passes `now` and reports when each visit ends.
#include <bsvpeer/conn/clock.hpp>
#include <bsvpeer/peer/peer_endpoint.hpp>

#include <cstddef>
#include <deque>
#include <map>
#include <optional>

namespace bsvpeer::crawl {

using conn::Duration;
using conn::TimePoint;
using peer::PeerEndpoint;

struct SchedulerConfig {
  std::size_t concurrency = 256;  // visits in flight at most
  double rate_per_s = 500;        // new connections per second, on average
  double burst = 50;              // connections that may start at once after a pause
};

class Scheduler {
 public:
  explicit Scheduler(SchedulerConfig config, TimePoint now);

  // A node learnt now. Queued for this round unless already known; false when known.
  bool add(const PeerEndpoint& endpoint);
  // A known node that was visited already in this round (resume): known, not queued.
  void add_visited(const PeerEndpoint& endpoint);

  // The node to dial now, or nullopt when none is queued, `concurrency` visits are in flight,
  // or the rate limit says wait (wake_at() tells until when).
  std::optional<PeerEndpoint> next(TimePoint now);
  // When the rate limit lets the next dial start; nullopt when the limit is not what blocks.
  std::optional<TimePoint> wake_at(TimePoint now) const;

  // The visit ended: the node counts as visited in this round.
  void finished(const PeerEndpoint& endpoint);
  // The visit was cut short (shutdown): the node is not visited; it goes back to the queue's
  // front, so a resumed crawl dials it first.
  void abandoned(const PeerEndpoint& endpoint);

  // Every known node is queued again (in the order first learnt) for a new round.
  void new_round();

  bool round_complete() const noexcept { return queue_.empty() && in_flight_ == 0; }
  std::size_t known() const noexcept { return nodes_.size(); }
  std::size_t queued() const noexcept { return queue_.size(); }
  std::size_t in_flight() const noexcept { return in_flight_; }
  std::size_t visited() const noexcept { return visited_; }
  const SchedulerConfig& config() const noexcept { return config_; }

 private:
  enum class Mark { queued, in_flight, visited };
  struct Node {
    Mark mark = Mark::queued;
    std::uint64_t order = 0;  // when first learnt
  };

  void refill(TimePoint now);

  SchedulerConfig config_;
  std::map<PeerEndpoint, Node> nodes_;
  std::deque<PeerEndpoint> queue_;
  std::size_t in_flight_ = 0;
  std::size_t visited_ = 0;
  std::uint64_t next_order_ = 0;
  double tokens_;
  TimePoint refilled_at_;
};

}  // namespace bsvpeer::crawl
