#include <bsvpeer/conn/peer_state.hpp>

#include <ostream>

namespace bsvpeer::conn {

std::string_view to_string(PeerState s) noexcept {
  switch (s) {
    case PeerState::disconnected:
      return "disconnected";
    case PeerState::connecting:
      return "connecting";
    case PeerState::awaiting_handshake:
      return "awaiting_handshake";
    case PeerState::connected:
      return "connected";
    case PeerState::rejected:
      return "rejected";
    case PeerState::failed:
      return "failed";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, PeerState s) {
  return os << to_string(s);
}

}  // namespace bsvpeer::conn
