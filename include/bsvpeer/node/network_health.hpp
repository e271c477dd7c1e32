#pragma once
// Tells the operator when the node has lost the network and when it is back. A pure core:
// the Manager feeds it the number of handshaked peers and `now` (its steady clock, so a
// wall-clock jump neither fakes nor hides an outage) on every connection change and on a
// timer at next_deadline(), and publishes the transitions it returns.
#include <bsvpeer/conn/clock.hpp>

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace bsvpeer::node {

struct NetworkHealthConfig {
  // Fewer handshaked peers than this is "below". 0 disables the tracker (never isolated).
  std::size_t min_connected_peers = 1;
  // How long the count must stay below before `isolated` is reported, so a peer swap or a
  // restart does not raise an alarm. 0: report at the first update below.
  conn::Duration grace = std::chrono::seconds(30);

  std::optional<std::string> validate() const;
};

enum class NetworkHealthEvent {
  isolated,   // below min_connected_peers for at least `grace`
  recovered,  // back at or above min_connected_peers after `isolated`
};

std::string_view to_string(NetworkHealthEvent event) noexcept;
std::ostream& operator<<(std::ostream& os, NetworkHealthEvent event);

// Starts healthy, with no grace running: the first update below starts the grace period, so a
// node that starts with no peers reports `isolated` once `grace` has passed. Each transition
// is reported once; `recovered` only ever follows `isolated`.
class NetworkHealth {
 public:
  // Throws std::invalid_argument when config.validate() reports a problem.
  explicit NetworkHealth(NetworkHealthConfig config = {});

  // The transition this update causes, if any.
  std::optional<NetworkHealthEvent> update(std::size_t handshaked_peers, conn::TimePoint now);

  bool isolated() const noexcept { return isolated_; }
  // Since when the count has been below, while it is (isolated or still in the grace period).
  std::optional<conn::TimePoint> below_since() const noexcept { return below_since_; }
  // When an update with an unchanged count would report `isolated`: the Manager's timer.
  // nullopt when no report is pending (healthy and at or above the minimum, or isolated).
  std::optional<conn::TimePoint> next_deadline() const noexcept;

  const NetworkHealthConfig& config() const noexcept { return config_; }

 private:
  NetworkHealthConfig config_;
  bool isolated_ = false;
  std::optional<conn::TimePoint> below_since_;
};

}  // namespace bsvpeer::node
