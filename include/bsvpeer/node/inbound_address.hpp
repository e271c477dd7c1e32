#pragma once
// Where an inbound peer may be dialled back. Its connection comes from an ephemeral port, so
// its IP is a dial candidate only once the peer says where it listens:
//   - the addr_from of its version, when that names the connection's own IP (Bitcoin 0.8 took
//     addrFrom on this condition; SV Node sends it empty, so SV peers use the next way), or
//   - an addr self-announcement: an entry with the connection's IP, which SV Node keeps from
//     an unsolicited addr of an inbound peer (ProcessAddrMessage) and drops every other entry.
// The entry must also pass the node's AddrFilter (services, port, address, age), so a
// loopback test network accepts what its gossip would. Pure.
#include <bsvpeer/node/addr_filter.hpp>
#include <bsvpeer/wire/messages/handshake.hpp>

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace bsvpeer::node {

// The listening address the version announces, or nullopt when it names none (empty, another
// IP, port 0, or filtered out). `peer_ip` is the connection's IP as net::ip_text writes it.
std::optional<AddrCandidate> announced_listen_address(const wire::Version& version,
                                                      std::string_view peer_ip,
                                                      const AddrFilter& filter,
                                                      peer::UnixSeconds now);

// Of filtered addr entries from an inbound peer, the ones about the peer itself.
std::vector<AddrCandidate> self_announcements(std::span<const AddrCandidate> candidates,
                                              std::string_view peer_ip);

}  // namespace bsvpeer::node
