#pragma once
// Address gossip as the Manager does it, like SV: an addr message fills the store (from an
// inbound peer only its entries about itself, so connections anyone can open cannot poison our
// table), small messages of fresh new addresses go on to two inbound peers, and getaddr is
// answered from the store. Pure over a PeerStore, with the time passed in; the Manager sends.
#include <bsvpeer/node/addr_filter.hpp>
#include <bsvpeer/peer/peer_store.hpp>
#include <bsvpeer/wire/messages/address.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

namespace bsvpeer::node {

// SV relays addr messages of at most 10 entries, and only entries under 10 minutes old, to
// two peers.
inline constexpr std::size_t kAddrRelayMaxEntries = 10;
inline constexpr peer::UnixSeconds kAddrRelayMaxAge = 10 * 60;
inline constexpr std::size_t kAddrRelayFanout = 2;

struct AddrIntake {
  AddrFilterCounts counts;  // what the filter dropped
  std::size_t usable = 0;   // entries the filter kept
  std::size_t added = 0;    // new records in the store
  wire::Addr relay;         // what to pass on (empty: nothing)
};

// Stores the usable entries of `addr` (never a banned IP). `inbound_ip`: the sender is an
// inbound peer at that IP, so only its self-announcements count.
AddrIntake take_addr(const wire::Addr& addr, const AddrFilter& filter, peer::PeerStore& store,
                     std::optional<std::string_view> inbound_ip, peer::UnixSeconds now);

// Like SV's addrman sample: the peers we know and may dial (Valid first, then Unknown), never
// banned or given-up ones, at most wire::kMaxAddrEntries.
wire::Addr addr_answer(const peer::PeerStore& store, peer::UnixSeconds now);

// Of the peers an addr may be relayed to, the ones it goes to (at most kAddrRelayFanout).
std::vector<std::uint64_t> pick_relay_targets(std::vector<std::uint64_t> eligible,
                                              std::mt19937_64& rng);

}  // namespace bsvpeer::node
