#pragma once
// Where a peer stands, as the PeerStore records it and the JSON file spells it.
#include <optional>
#include <string_view>

namespace bsvpeer::peer {

enum class PeerStatus {
  unknown,       // heard about (DNS, addr, manual), never handshaked, or just unbanned
  valid,         // completed a handshake at least once since it was last Unknown
  inaccessible,  // gave up after its retries; may be tried again once its backoff elapsed
  banned,        // never dialled, inbound dropped, until the ban expires
};

inline constexpr PeerStatus kAllPeerStatuses[] = {PeerStatus::unknown, PeerStatus::valid,
                                                  PeerStatus::inaccessible, PeerStatus::banned};

// The JSON spelling: "unknown", "valid", "inaccessible", "banned".
std::string_view to_string(PeerStatus status) noexcept;
std::optional<PeerStatus> parse_peer_status(std::string_view text) noexcept;

}  // namespace bsvpeer::peer
