#pragma once
// Bans as the PeerStore keeps them: an IP ban marks every record of that IP (so no port of it
// is dialled), and is stored even for an IP we never knew. Pure over the store; the Manager
// disconnects the banned, publishes the events and clears their redial backoffs.
#include <bsvpeer/peer/peer_store.hpp>
#include <bsvpeer/peer/subnet.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bsvpeer::node {

// Bans every record of `ip` until `until`; an IP without a record gets one on `default_port`.
void ban_ip(peer::PeerStore& store, std::string_view ip, std::uint16_t default_port,
            std::string_view reason, peer::UnixSeconds until, peer::UnixSeconds now);

// Lifts the bans of `ip`'s records; the ids of the records unbanned.
std::vector<std::string> unban_ip(peer::PeerStore& store, std::string_view ip,
                                  peer::UnixSeconds now);

// Lifts the bans of the banned records inside `subnet`; the IPs unbanned.
std::vector<std::string> unban_records_in(peer::PeerStore& store, const peer::Subnet& subnet,
                                          peer::UnixSeconds now);

// Lifts every record ban; the IPs unbanned. (Subnet bans are the caller's.)
std::vector<std::string> unban_all_records(peer::PeerStore& store, peer::UnixSeconds now);

// The ids of the records of these IPs (to forget their backoffs).
std::vector<std::string> record_ids_of(const peer::PeerStore& store,
                                       const std::vector<std::string>& ips);

}  // namespace bsvpeer::node
