#include <bsvpeer/node/manager_config.hpp>
#include <bsvpeer/node/whitelist.hpp>

namespace bsvpeer::node {

std::optional<std::string> manager_config_error(const ManagerConfig& c) {
  if (auto e = conn::config_error(c.connection)) return *e;
  if (c.max_connections == 0) return "max_connections must be at least 1";
  if (c.target_outbound > c.max_connections) return "target_outbound above max_connections";
  if (c.max_manual > c.max_connections) return "max_manual above max_connections";
  if (c.mode == OutboundMode::fixed && c.fixed_peers.empty()) {
    return "fixed-peer mode needs at least one peer";
  }
  if (c.manual_retry.count() <= 0) return "manual_retry must be positive";
  if (c.seed_node_timeout.count() <= 0) return "seed_node_timeout must be positive";
  if (c.listen_retry.count() <= 0) return "listen_retry must be positive";
  if (c.dns_interval.count() <= 0 || c.dns_timeout.count() <= 0) {
    return "DNS interval and timeout must be positive";
  }
  if (c.persist_interval.count() <= 0) return "persist_interval must be positive";
  if (c.shutdown_timeout.count() <= 0) return "shutdown_timeout must be positive";
  if (c.max_accepts_per_second < 0) return "max_accepts_per_second must not be negative";
  if (auto w = Whitelist::parse(c.whitelist); std::holds_alternative<std::string>(w)) {
    return "whitelist: " + std::get<std::string>(w);
  }
  if (c.event_queue_capacity == 0) return "event_queue_capacity must be at least 1";
  if (auto e = c.dial_backoff.validate()) return "dial backoff: " + *e;
  return std::nullopt;
}

}  // namespace bsvpeer::node
