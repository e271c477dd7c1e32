#pragma once
// -externalip: the addresses we tell peers we can be reached at. SV never puts them in its
// version (addr_from stays empty); after the version of a peer it dialled, a listening SV
// sends one addr entry with its best local address for that peer, if that address is
// routable (net_processing.cpp ProcessVersionMessage, GetLocalAddress). We mirror that at the
// handshake of each outbound connection (automatic and -addnode alike). SV also repeats it
// about once a day on long connections; we do not yet.
#include <bsvpeer/wire/net_address.hpp>

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace bsvpeer::node {

// SV's CNetAddr::IsRoutable: false for unspecified, loopback, multicast, private (RFC 1918),
// shared (RFC 6598), benchmarking (RFC 2544), documentation (RFC 5737, RFC 3849), link-local
// (RFC 3927, RFC 4862), unique-local (RFC 4193) and 0.0.0.0/8 addresses.
bool is_routable(const boost::asio::ip::address& address);

// The addr entry to send a peer we dialled: the first routable external address of the
// peer's family (IPv4 or IPv6), else the first routable one; nullopt when none is.
std::optional<wire::TimedNetAddress> self_advertisement(
    const std::vector<boost::asio::ip::address>& external, const boost::asio::ip::address& peer,
    std::uint16_t port, std::uint64_t services, std::uint32_t now);

}  // namespace bsvpeer::node
