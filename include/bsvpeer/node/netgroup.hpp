#pragma once
// Netgroups: which addresses are probably run by the same operator, so automatic outbound
// connections can be spread over many of them (bsv-protocol.md §9, "Outbound netgroup rule").
// An attacker with one /16 can then take at most one of our outbound slots.
//
// The grouping follows SV's CNetAddr::GetGroup (SV:src/net/netaddress.cpp):
//   IPv4 (and IPv4-mapped IPv6)                   -> the /16
//   NAT64 64:ff9b::/96, SIIT ::ffff:0:0:0/96      -> the embedded IPv4's /16
//   6to4 2002:AABB:CCDD::/48                      -> the embedded IPv4's /16
//   Teredo 2001:0000::/32                         -> the embedded client IPv4's /16 (the
//                                                    address stores it inverted)
//   Hurricane Electric 2001:470::/32              -> the /36 (one /32 serves many customers)
//   any other IPv6                                -> the /32
#include <boost/asio/ip/address.hpp>

#include <array>
#include <compare>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace bsvpeer::node {

// A compact, ordered key: the family, the prefix length and the prefix bytes (bytes past the
// prefix are zero), so two addresses share a group exactly when their keys compare equal.
struct NetGroup {
  enum class Family : std::uint8_t { ipv4, ipv6 };

  Family family = Family::ipv4;
  std::uint8_t prefix_bits = 0;          // 16, 32 or 36
  std::array<std::uint8_t, 5> prefix{};  // the first ceil(prefix_bits / 8) bytes matter

  auto operator<=>(const NetGroup&) const = default;
};

// "203.0.0.0/16", "2001:db8::/32", "2001:470:10::/36".
std::string to_string(const NetGroup& group);
std::ostream& operator<<(std::ostream& os, const NetGroup& group);

NetGroup netgroup_of(const boost::asio::ip::address& address);
// For the store's IP text (see peer::normalise_ip); nullopt when the text is not an IP.
std::optional<NetGroup> netgroup_of(std::string_view ip);

// Loopback (127.0.0.0/8, ::1), RFC 1918 private (10/8, 172.16/12, 192.168/16), link-local
// (169.254/16, fe80::/10) and unique-local (fc00::/7), also when IPv4-mapped. These are not on
// the internet, so the one-per-netgroup rule has nothing to protect there, and applying it
// would let a local mesh of 127.0.0.x nodes make only one outbound connection.
bool is_exempt_from_netgroup_rule(const boost::asio::ip::address& address);

}  // namespace bsvpeer::node
