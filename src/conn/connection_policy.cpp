#include <bsvpeer/conn/connection_policy.hpp>
#include <bsvpeer/wire/limits.hpp>

#include <algorithm>

namespace bsvpeer::conn {

std::optional<std::string> policy_error(const ConnectionPolicy& p) {
  const Duration zero{};
  if (p.handshake_timeout <= zero) return "handshake_timeout must be positive";
  if (p.ping_interval <= zero) return "ping_interval must be positive";
  if (p.ping_timeout <= zero) return "ping_timeout must be positive";
  if (p.inactivity_timeout <= zero) return "inactivity_timeout must be positive";
  if (p.legacy_receive_timeout <= zero) return "legacy_receive_timeout must be positive";
  if (p.max_outstanding_pings == 0) return "max_outstanding_pings must be at least 1";
  if (p.min_protocol_version < 0) return "min_protocol_version must not be negative";
  const auto empty = [](const std::string& s) { return s.empty(); };
  // An empty substring matches every user agent.
  if (std::any_of(p.banned_user_agents.begin(), p.banned_user_agents.end(), empty)) {
    return "banned_user_agents must not contain an empty pattern";
  }
  if (std::any_of(p.allowed_user_agents.begin(), p.allowed_user_agents.end(), empty)) {
    return "allowed_user_agents must not contain an empty pattern";
  }
  if (p.ban_threshold < 1) return "ban_threshold must be at least 1";
  if (p.ban_duration < zero) return "ban_duration must not be negative";
  if (p.invalid_checksum_burst.max_gap < zero)
    return "invalid checksum max_gap must not be negative";
  if (p.invalid_checksum_burst.points < 0) return "invalid checksum points must not be negative";
  if (p.rate_limit) {
    if (!(p.rate_limit->messages_per_second > 0.0)) return "rate limit must be positive";
    if (!(p.rate_limit->burst >= 1.0)) return "rate limit burst must be at least 1";
    if (p.rate_limit->misbehavior_per_excess < 0) {
      return "rate limit misbehavior points must not be negative";
    }
  }
  if (p.send_protoconf) {
    // What SV would refuse with a disconnect (bsv-protocol.md §2.4).
    const auto& pc = p.our_protoconf;
    if (pc.number_of_fields == 0) return "our protoconf needs at least one field";
    if (pc.max_recv_payload_length < wire::kLegacyMaxPayload ||
        pc.max_recv_payload_length > wire::kMaxProtocolRecvPayload) {
      return "our protoconf max_recv_payload_length must be within [1 MiB, 1 GB]";
    }
    if (pc.stream_policies.size() > wire::kMaxStreamPoliciesLength) {
      return "our protoconf stream_policies is longer than 650 bytes";
    }
  }
  return std::nullopt;
}

}  // namespace bsvpeer::conn
