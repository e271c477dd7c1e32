#pragma once
// How addresses are written in logs, the store and events: IPv4 (also when it arrives as an
// IPv4-mapped IPv6 address on a dual-stack socket) as a dotted quad, IPv6 in brackets with a
// port. One form everywhere, so a peer reads the same in every line and record about it.
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bsvpeer::net {

// "1.2.3.4" (also for ::ffff:1.2.3.4), "2001:db8::1".
std::string ip_text(const boost::asio::ip::address& address);

// "1.2.3.4:8333" (also for [::ffff:1.2.3.4]:8333), "[2001:db8::1]:8333".
std::string endpoint_text(const boost::asio::ip::tcp::endpoint& endpoint);

// The reverse, as a user types it: "1.2.3.4", "1.2.3.4:8333", "::1", "[::1]:8333" (an IP, not a
// host name); `default_port` when none is given. nullopt for anything else, or port 0.
std::optional<boost::asio::ip::tcp::endpoint> parse_endpoint(std::string_view text,
                                                             std::uint16_t default_port);

}  // namespace bsvpeer::net
