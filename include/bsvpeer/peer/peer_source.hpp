#pragma once
// How we first learnt of a peer, and which way of learning counts for more.
#include <optional>
#include <string_view>

namespace bsvpeer::peer {

enum class PeerSource {
  inbound,  // it connected to us and announced where it listens (or we banned its IP)
  addr,     // gossip from another peer
  dns,      // a DNS seed of the network
  manual,   // the operator named it (-connect, -addnode, RPC)
};

// The JSON spelling: "inbound", "addr", "dns", "manual".
std::string_view to_string(PeerSource source) noexcept;
std::optional<PeerSource> parse_peer_source(std::string_view text) noexcept;

// manual > dns > addr > inbound: what the operator said beats a seed, a seed beats gossip,
// and gossip beats an inbound connection whose port may be ephemeral. A peer heard of again
// keeps its source unless the new one ranks higher.
bool ranks_higher(PeerSource candidate, PeerSource current) noexcept;

}  // namespace bsvpeer::peer
