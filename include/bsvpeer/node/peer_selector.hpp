#pragma once
// Chooses which known peers to dial next for automatic outbound slots (design.md §3 step 1,
// bsv-protocol.md §9). A pure core: the Manager passes a snapshot of the store, what is
// connected or being dialled, the netgroups its automatic outbound connections already use,
// `now`, and whether an Inaccessible peer's backoff elapsed; it gets candidates in dial order.
#include <bsvpeer/node/netgroup.hpp>
#include <bsvpeer/peer/peer_endpoint.hpp>
#include <bsvpeer/peer/peer_record.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <span>
#include <vector>

namespace bsvpeer::node {

struct PeerSelectorOptions {
  // At most one automatic outbound connection per netgroup (SV's rule against eclipse by one
  // operator). Counts current connections and the candidates returned in the same call.
  bool one_per_netgroup = true;
  // Loopback, private, link-local and unique-local addresses are not subject to that rule
  // (see is_exempt_from_netgroup_rule), so local test meshes can fill their slots.
  bool exempt_local_ranges = true;
};

// Whether an Inaccessible peer may be dialled again (its backoff elapsed). The Manager owns
// the backoff state, so it answers; an empty predicate means no Inaccessible peer is eligible.
using InaccessibleEligible = std::function<bool(const peer::PeerRecord&)>;

// A fresh random 64-bit value per call: the tie-break between equally good candidates, so
// many nodes with the same store do not all dial the same peer first. Tests seed it.
using RandomKey = std::function<std::uint64_t()>;
RandomKey make_random_key();                      // mt19937_64 seeded from std::random_device
RandomKey seeded_random_key(std::uint64_t seed);  // deterministic, for tests and replays

struct SelectionRequest {
  std::span<const peer::PeerRecord> peers;  // a store snapshot
  // Endpoints connected or being dialled, any direction or kind: never dialled twice
  // (anchors.md §9 lesson 1). nullptr: none.
  const std::set<peer::PeerEndpoint>* busy = nullptr;
  // Netgroups of the current AUTOMATIC outbound connections (and dials); inbound and manual
  // peers do not count, as in SV. nullptr: none.
  const std::set<NetGroup>* outbound_netgroups = nullptr;
  peer::UnixSeconds now = 0;
  InaccessibleEligible inaccessible_eligible;
  std::size_t max_count = 0;  // at most this many candidates (the free outbound slots)
};

// The dial order, best first:
//   1. class: Valid, then Unknown (a ban that is over counts as Unknown, as unban() makes
//      it), then Inaccessible peers whose backoff elapsed; Banned (banned_at(now)) never;
//   2. within a class, the least recently attempted first (never attempted before all);
//   3. ties broken by a random key drawn per candidate.
// Then, in that order, skip busy endpoints and any peer whose netgroup is already taken.
class PeerSelector {
 public:
  explicit PeerSelector(PeerSelectorOptions options = {}, RandomKey random = make_random_key());

  std::vector<peer::PeerRecord> select(const SelectionRequest& request);

  const PeerSelectorOptions& options() const noexcept { return options_; }

 private:
  PeerSelectorOptions options_;
  RandomKey random_;
};

}  // namespace bsvpeer::node
