#pragma once
// Validation of the peer's version message, in SV's order (bsv-protocol.md §3, §4.2, §8.1):
// required services, minimum protocol, user-agent ban list, then (inbound only) a nonce of
// one of our own pending connections.
#include <bsvpeer/conn/direction.hpp>
#include <bsvpeer/conn/disconnect_reason.hpp>
#include <bsvpeer/conn/user_agent_filter.hpp>
#include <bsvpeer/net/protocol.hpp>
#include <bsvpeer/wire/messages/control.hpp>
#include <bsvpeer/wire/messages/handshake.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace bsvpeer::conn {

// True when `nonce` is the version nonce of one of our own connections that has not completed
// its handshake: an inbound version carrying it means we dialled ourselves.
using LocalNonceCheck = std::function<bool(std::uint64_t nonce)>;

struct VersionRules {
  std::int32_t min_protocol_version = net::kMinPeerProtoVersion;
  std::uint64_t required_services = net::kNodeNone;
  UserAgentFilter user_agents;
};

// How to refuse a peer's version, mirroring SV's reaction.
struct VersionRefusal {
  DisconnectReason reason;
  std::string detail;
  std::optional<wire::Reject> reject;  // sent before closing (obsolete version, services)
  bool ban = false;                    // banned user agent: ban, not just disconnect
};

// nullopt when the version is acceptable. `is_local_nonce` may be empty (no check).
std::optional<VersionRefusal> check_peer_version(const wire::Version& peer,
                                                 const VersionRules& rules, Direction direction,
                                                 const LocalNonceCheck& is_local_nonce);

}  // namespace bsvpeer::conn
