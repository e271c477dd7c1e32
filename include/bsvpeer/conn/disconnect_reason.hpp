#pragma once
// Why a connection ended. One enum for every layer: the pure core returns these in its
// Disconnect/Ban actions, and the socket actor uses the network and local ones.
#include <iosfwd>
#include <string_view>

namespace bsvpeer::conn {

enum class DisconnectReason {
  // Timers (bsv-protocol.md §4.6, §5).
  handshake_timeout,
  ping_timeout,
  inactivity_timeout,
  // Peer faults that SV answers with a ban (§8).
  misbehavior_ban,     // the misbehaviour score crossed the ban threshold
  banned_user_agent,   // user agent on the ban list (BCH/ABC clients)
  wrong_magic,         // a frame with another network's magic
  oversize_message,    // a header declaring a payload above the command's limit
  extmsg_not_allowed,  // an extended (> 4 GiB) frame from a peer below 70016
  // Peer faults that SV answers with a disconnect only.
  obsolete_version,     // protocol version below the minimum
  missing_services,     // version lacks the services we require
  self_connection,      // an inbound version carrying one of our own nonces
  protocol_violation,   // second/invalid protoconf, bad inv type, ...
  bad_version_message,  // the version payload did not parse
  // Our decisions.
  over_capacity,  // inbound accepted without a free slot: handshake, then polite close
  local_request,  // the user or an RPC asked to disconnect
  shutdown,       // the manager is stopping
  // Transport.
  peer_closed,      // orderly EOF from the peer
  network_error,    // read/write failure, reset
  connect_failed,   // outbound dial refused or unreachable
  connect_timeout,  // outbound dial took too long
  send_queue_full,  // the peer does not read fast enough
};

std::string_view to_string(DisconnectReason r) noexcept;
std::ostream& operator<<(std::ostream& os, DisconnectReason r);

}  // namespace bsvpeer::conn
