#include <bsvpeer/peer/peer_status.hpp>

namespace bsvpeer::peer {

std::string_view to_string(PeerStatus status) noexcept {
  switch (status) {
    case PeerStatus::unknown:
      return "unknown";
    case PeerStatus::valid:
      return "valid";
    case PeerStatus::inaccessible:
      return "inaccessible";
    case PeerStatus::banned:
      return "banned";
  }
  return "unknown";
}

std::optional<PeerStatus> parse_peer_status(std::string_view text) noexcept {
  for (PeerStatus status : kAllPeerStatuses) {
    if (to_string(status) == text) return status;
  }
  return std::nullopt;
}

}  // namespace bsvpeer::peer
