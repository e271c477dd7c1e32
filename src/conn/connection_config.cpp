#include <bsvpeer/conn/connection_config.hpp>
#include <bsvpeer/conn/user_agent_filter.hpp>

namespace bsvpeer::conn {

std::optional<std::string> config_error(const ConnectionConfig& config) {
  if (auto e = policy_error(config.policy)) return e;
  if (config.connect_timeout <= Duration::zero()) return "connect timeout must be positive";
  if (config.close_linger < Duration::zero()) return "close linger must not be negative";
  if (config.receive_limits.max_recv_payload < wire::kLegacyMaxPayload ||
      config.receive_limits.max_recv_payload > wire::kMaxProtocolRecvPayload) {
    return "max receive payload must be between 1 MiB and 1 GB";
  }
  if (config.user_agent.size() > wire::kMaxUserAgentLength) return "user agent over 256 bytes";
  // SV bans a peer whose user agent contains "abc", "cash" or "bch" for 24 hours.
  if (auto pattern =
          UserAgentFilter(default_banned_user_agents(), {}).banned_pattern(config.user_agent)) {
    return "user agent contains '" + *pattern + "', which SV Node bans";
  }
  if (config.send_queue.high_watermark_bytes > config.send_queue.max_bulk_bytes) {
    return "send queue high watermark above its maximum";
  }
  if (config.restart.enabled) {
    if (auto e = config.restart.window.validate()) return "restart window: " + *e;
    if (auto e = config.restart.backoff.validate()) return "restart backoff: " + *e;
  }
  return std::nullopt;
}

}  // namespace bsvpeer::conn
