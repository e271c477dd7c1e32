#pragma once
// The life of one PeerConnection actor as its owner sees it:
// Disconnected -> Connecting -> AwaitingHandshake -> Connected, ending in Rejected (refused by
// a rule: ban, protocol violation, over capacity, self-connection) or Failed (network trouble,
// timeouts). An outbound connection that restarts goes back to Connecting.
#include <iosfwd>
#include <string_view>

namespace bsvpeer::conn {

enum class PeerState { disconnected, connecting, awaiting_handshake, connected, rejected, failed };

std::string_view to_string(PeerState s) noexcept;
std::ostream& operator<<(std::ostream& os, PeerState s);

}  // namespace bsvpeer::conn
