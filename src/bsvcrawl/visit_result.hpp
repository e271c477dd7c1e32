#pragma once
// What one ended visit tells us, and how it updates the node's record and the PeerStore. A
// pure core: the crawler actor fills a VisitResult from the connection's events.
#include "node_record.hpp"

#include <bsvpeer/peer/peer_store.hpp>

#include <optional>
#include <string>
#include <vector>

namespace bsvpeer::crawl {

struct VisitResult {
  std::optional<HandshakeInfo> handshake;  // set when the handshake completed
  std::string error;                       // the disconnect reason when it did not
  std::optional<double> rtt_ms, connect_ms, handshake_ms;
  bool addr_answered = false;
  std::size_t addr_messages = 0;
  std::vector<peer::PeerEndpoint> addresses;
};

// Records the visit (ended in `round` at `now`) in `record`. Returns true when the node is a
// BSV candidate, whose addresses are to be crawled.
bool apply_visit(NodeRecord& record, const VisitResult& visit, std::uint64_t round,
                 UnixSeconds now);

// The node's standing in the node's PeerStore after the visit: BSV nodes valid, BCH banned for
// a day (banned_user_agent, as SV Node would), others inaccessible with the reason.
void update_store(peer::PeerStore& store, const std::string& store_id, const NodeRecord& record,
                  UnixSeconds now);

}  // namespace bsvpeer::crawl
