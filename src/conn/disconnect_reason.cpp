#include <bsvpeer/conn/disconnect_reason.hpp>

#include <ostream>

namespace bsvpeer::conn {

std::string_view to_string(DisconnectReason r) noexcept {
  switch (r) {
    case DisconnectReason::handshake_timeout:
      return "handshake_timeout";
    case DisconnectReason::ping_timeout:
      return "ping_timeout";
    case DisconnectReason::inactivity_timeout:
      return "inactivity_timeout";
    case DisconnectReason::misbehavior_ban:
      return "misbehavior_ban";
    case DisconnectReason::banned_user_agent:
      return "banned_user_agent";
    case DisconnectReason::wrong_magic:
      return "wrong_magic";
    case DisconnectReason::oversize_message:
      return "oversize_message";
    case DisconnectReason::extmsg_not_allowed:
      return "extmsg_not_allowed";
    case DisconnectReason::obsolete_version:
      return "obsolete_version";
    case DisconnectReason::missing_services:
      return "missing_services";
    case DisconnectReason::self_connection:
      return "self_connection";
    case DisconnectReason::protocol_violation:
      return "protocol_violation";
    case DisconnectReason::bad_version_message:
      return "bad_version_message";
    case DisconnectReason::over_capacity:
      return "over_capacity";
    case DisconnectReason::local_request:
      return "local_request";
    case DisconnectReason::shutdown:
      return "shutdown";
    case DisconnectReason::peer_closed:
      return "peer_closed";
    case DisconnectReason::network_error:
      return "network_error";
    case DisconnectReason::connect_failed:
      return "connect_failed";
    case DisconnectReason::connect_timeout:
      return "connect_timeout";
    case DisconnectReason::send_queue_full:
      return "send_queue_full";
  }
  return "unknown reason";
}

std::ostream& operator<<(std::ostream& os, DisconnectReason r) {
  return os << to_string(r);
}

}  // namespace bsvpeer::conn
