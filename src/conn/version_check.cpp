#include <bsvpeer/conn/version_check.hpp>

#include <cinttypes>
#include <cstdio>
#include <string>

namespace bsvpeer::conn {
namespace {

wire::Reject version_reject(wire::RejectCode code, std::string reason) {
  wire::Reject reject;
  reject.message = std::string(wire::Version::kCommand);
  reject.code = static_cast<std::uint8_t>(code);
  reject.reason = std::move(reason);
  return reject;
}

std::string hex08(std::uint64_t value) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%08" PRIx64, value);
  return buffer;
}

}  // namespace

std::optional<VersionRefusal> check_peer_version(const wire::Version& peer,
                                                 const VersionRules& rules, Direction direction,
                                                 const LocalNonceCheck& is_local_nonce) {
  if ((rules.required_services & ~peer.services) != 0) {
    // SV's text formats the services it expected, not the missing bits.
    return VersionRefusal{
        DisconnectReason::missing_services,
        "peer offers services " + hex08(peer.services) + ", required " +
            hex08(rules.required_services),
        version_reject(wire::RejectCode::nonstandard,
                       "Expected to offer services " + hex08(rules.required_services)),
        false};
  }
  if (peer.version < rules.min_protocol_version) {
    return VersionRefusal{
        DisconnectReason::obsolete_version,
        "peer protocol " + std::to_string(peer.version) + " below minimum " +
            std::to_string(rules.min_protocol_version),
        version_reject(
            wire::RejectCode::obsolete,
            "Version must be " + std::to_string(rules.min_protocol_version) + " or greater"),
        false};
  }
  if (auto pattern = rules.user_agents.banned_pattern(peer.user_agent)) {
    return VersionRefusal{DisconnectReason::banned_user_agent,
                          "user agent \"" + sanitize_user_agent(peer.user_agent) +
                              "\" contains banned \"" + *pattern + "\"",
                          std::nullopt, true};
  }
  // SV checks only inbound versions, against its own pending outbound nonces, and leaves
  // silently: no reject to ourselves.
  if (direction == Direction::inbound && is_local_nonce && is_local_nonce(peer.nonce)) {
    return VersionRefusal{DisconnectReason::self_connection, "connected to self (nonce match)",
                          std::nullopt, false};
  }
  return std::nullopt;
}

}  // namespace bsvpeer::conn
