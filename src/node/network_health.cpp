#include <bsvpeer/node/network_health.hpp>

#include <ostream>
#include <stdexcept>

namespace bsvpeer::node {

std::optional<std::string> NetworkHealthConfig::validate() const {
  if (grace < conn::Duration::zero()) return "network health grace must not be negative";
  return std::nullopt;
}

std::string_view to_string(NetworkHealthEvent event) noexcept {
  switch (event) {
    case NetworkHealthEvent::isolated:
      return "isolated";
    case NetworkHealthEvent::recovered:
      return "recovered";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, NetworkHealthEvent event) {
  return os << to_string(event);
}

NetworkHealth::NetworkHealth(NetworkHealthConfig config) : config_(config) {
  if (auto problem = config_.validate()) throw std::invalid_argument(*problem);
}

std::optional<NetworkHealthEvent> NetworkHealth::update(std::size_t handshaked_peers,
                                                        conn::TimePoint now) {
  if (handshaked_peers >= config_.min_connected_peers) {
    below_since_.reset();
    if (!isolated_) return std::nullopt;
    isolated_ = false;
    return NetworkHealthEvent::recovered;
  }
  if (isolated_) return std::nullopt;
  if (!below_since_) below_since_ = now;
  // An update stamped before the grace began (out-of-order timestamps) counts as no time
  // passed rather than as a negative duration.
  if (now >= *below_since_ && now - *below_since_ >= config_.grace) {
    isolated_ = true;
    return NetworkHealthEvent::isolated;
  }
  return std::nullopt;
}

std::optional<conn::TimePoint> NetworkHealth::next_deadline() const noexcept {
  if (isolated_ || !below_since_) return std::nullopt;
  return *below_since_ + config_.grace;
}

}  // namespace bsvpeer::node
