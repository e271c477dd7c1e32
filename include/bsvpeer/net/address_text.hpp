#pragma once
// How addresses are written in logs, the store and events: IPv4 (also when it arrives as an
// IPv4-mapped IPv6 address on a dual-stack socket) as a dotted quad, IPv6 in brackets with a
// port. One form everywhere, so a peer reads the same in every line and record about it.
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <string>

namespace bsvpeer::net {

// "1.2.3.4" (also for ::ffff:1.2.3.4), "2001:db8::1".
std::string ip_text(const boost::asio::ip::address& address);

// "1.2.3.4:8333" (also for [::ffff:1.2.3.4]:8333), "[2001:db8::1]:8333".
std::string endpoint_text(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace bsvpeer::net
