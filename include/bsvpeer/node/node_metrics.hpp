#pragma once
// The node's metrics registry: counters and a histogram that the Manager feeds where things
// happen (connection events on the connection's own strand, node events as they are published,
// DNS seed outcomes), read by Manager::metrics() together with the gauges it takes from live
// state at read time (connections by state, store, slots). Every update is an atomic add or a
// short lock on a small bounded map: nothing grows with the number of connections.
//
// metric_families() names them for Prometheus (bsvpeer_ namespace, units in names, _total on
// counters); prometheus_text.hpp writes the page.
#include <bsvpeer/conn/clock.hpp>
#include <bsvpeer/conn/connection_event.hpp>
#include <bsvpeer/conn/direction.hpp>
#include <bsvpeer/conn/peer_state.hpp>
#include <bsvpeer/node/node_event.hpp>
#include <bsvpeer/node/prometheus_text.hpp>
#include <bsvpeer/node/resolve_result.hpp>
#include <bsvpeer/node/slot_pool.hpp>
#include <bsvpeer/peer/peer_store.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bsvpeer::node {

// Cumulative-bucket histogram with fixed upper bounds; observe() is lock-free.
class AtomicHistogram {
 public:
  struct Snapshot {
    std::vector<double> upper_bounds;   // ascending, without +Inf
    std::vector<std::uint64_t> counts;  // cumulative, one per bound, then +Inf (= count)
    double sum = 0;
    std::uint64_t count = 0;
  };

  explicit AtomicHistogram(std::vector<double> upper_bounds);
  void observe(double value) noexcept;
  Snapshot snapshot() const;

 private:
  const std::vector<double> bounds_;
  // Per bucket (not cumulative), the last one for values above every bound.
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
};

// Counters by a text label (a reason, a status). At most `max_labels` distinct labels are kept
// (a reason given by an operator could be anything); later ones count under "other".
class LabeledCounters {
 public:
  LabeledCounters() : LabeledCounters(64) {}
  explicit LabeledCounters(std::size_t max_labels) : max_labels_(max_labels) {}
  void add(std::string_view label, std::uint64_t n = 1);
  std::map<std::string, std::uint64_t, std::less<>> snapshot() const;

 private:
  const std::size_t max_labels_;
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t, std::less<>> counts_;
};

// Bounds of the handshake-duration histogram, in seconds (SV's handshake deadline is 60 s).
inline constexpr std::array<double, 13> kHandshakeSecondsBounds = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

// Counters as one reading; index 0 is outbound, 1 inbound (direction_index()).
struct NodeCounters {
  std::array<std::uint64_t, 2> connection_attempts{};
  std::array<std::uint64_t, 2> connections_established{};
  std::array<std::map<std::string, std::uint64_t, std::less<>>, 2> connection_failures;
  std::array<std::map<std::string, std::uint64_t, std::less<>>, 2> connections_lost;
  std::map<std::string, std::uint64_t, std::less<>> inbound_refused;
  std::map<std::string, std::uint64_t, std::less<>> bans;
  std::map<std::string, std::uint64_t, std::less<>> dns_lookups;  // by ResolveStatus, all listed
  std::map<std::string, std::uint64_t, std::less<>> addresses_received;  // by source dns/addr
  std::map<std::string, std::uint64_t, std::less<>> addresses_added;
  std::uint64_t restarts = 0;
  std::uint64_t misbehaviour_points = 0;
  AtomicHistogram::Snapshot handshake_seconds;
};

std::size_t direction_index(conn::Direction d) noexcept;

class NodeMetrics {
 public:
  // What the registry remembers about one connection; kept by that connection's event handler
  // and touched only on its strand.
  struct ConnectionTrack {
    std::optional<conn::TimePoint> handshake_started;
  };

  NodeMetrics();

  // A connection's own event, on its strand: attempts, handshake duration, restarts.
  void observe(const conn::ConnectionEvent& e, ConnectionTrack& track, conn::TimePoint now);
  // What the Manager publishes: established, failed, lost, refused, bans, discovery.
  void observe(const NodeEvent& e);
  void count_dns_lookup(ResolveStatus status);

  NodeCounters counters() const;

 private:
  std::array<std::atomic<std::uint64_t>, 2> attempts_{};
  std::array<std::atomic<std::uint64_t>, 2> established_{};
  std::array<LabeledCounters, 2> failures_;
  std::array<LabeledCounters, 2> lost_;
  LabeledCounters refused_;
  LabeledCounters bans_;
  LabeledCounters dns_;
  LabeledCounters addresses_received_;
  LabeledCounters addresses_added_;
  std::atomic<std::uint64_t> restarts_{0};
  std::atomic<std::uint64_t> misbehaviour_points_{0};
  AtomicHistogram handshake_seconds_;
};

// Everything /metrics shows, read at one moment: the counters plus gauges of live state.
struct NodeMetricsSnapshot {
  struct ConnectionCount {
    conn::Direction direction;
    conn::PeerState state;
    std::size_t count = 0;
  };
  struct SlotUse {
    SlotKind kind;
    std::size_t used = 0;
    std::size_t max = 0;
  };
  struct CommandTraffic {
    std::string command;
    std::uint64_t messages_sent = 0, bytes_sent = 0;
    std::uint64_t messages_received = 0, bytes_received = 0;
  };

  // Every direction with every live state (connecting, awaiting_handshake, connected,
  // disconnected while an outbound waits to restart), zeros included.
  std::vector<ConnectionCount> connections;
  std::size_t over_capacity = 0;  // polite handshakes without a slot
  peer::StatusCounts store;
  std::vector<SlotUse> slots;
  std::size_t handshaked = 0;
  bool isolated = false;
  std::uint64_t event_hub_dropped = 0;
  std::vector<CommandTraffic> traffic;  // by command, since start
  NodeCounters counters;
};

// The Prometheus families of a snapshot, in a stable order.
std::vector<MetricFamily> metric_families(const NodeMetricsSnapshot& snapshot);

}  // namespace bsvpeer::node
