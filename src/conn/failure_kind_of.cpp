#include <bsvpeer/conn/failure_kind_of.hpp>

namespace bsvpeer::conn {

std::optional<FailureKind> failure_kind_of(DisconnectReason reason) noexcept {
  switch (reason) {
    case DisconnectReason::connect_failed:
      return FailureKind::connection_refused;
    case DisconnectReason::connect_timeout:
    case DisconnectReason::ping_timeout:
    case DisconnectReason::inactivity_timeout:
    case DisconnectReason::send_queue_full:
      return FailureKind::timeout;
    case DisconnectReason::network_error:
      return FailureKind::connection_reset;
    case DisconnectReason::peer_closed:
      return FailureKind::peer_closed;
    case DisconnectReason::handshake_timeout:
      return FailureKind::handshake_timeout;
    case DisconnectReason::banned_user_agent:
      return FailureKind::banned_user_agent;
    case DisconnectReason::wrong_magic:
      return FailureKind::wrong_magic;
    case DisconnectReason::misbehavior_ban:
    case DisconnectReason::oversize_message:
    case DisconnectReason::extmsg_not_allowed:
      return FailureKind::misbehaviour_ban;
    // A peer that breaks a rule, speaks another chain's version or is ourselves will do so
    // again: never retried.
    case DisconnectReason::obsolete_version:
    case DisconnectReason::missing_services:
    case DisconnectReason::self_connection:
    case DisconnectReason::protocol_violation:
    case DisconnectReason::bad_version_message:
      return FailureKind::wrong_network;
    case DisconnectReason::over_capacity:
    case DisconnectReason::local_request:
    case DisconnectReason::shutdown:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace bsvpeer::conn
