#pragma once
// -whitelist: IPs and CIDR subnets whose inbound peers SV treats as trusted (bsv-protocol.md
// §8.2): never refused for a ban, exempt from the per-IP and accept-rate limits, scored but
// never punished for misbehaviour, allowed to send mempool. They still need a slot. As in SV,
// it applies to inbound connections (SV sets fWhitelisted in AcceptConnection only).
#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace bsvpeer::node {

// One IP (a /32 or /128) or a CIDR subnet. IPv4 entries also match IPv4-mapped IPv6 peers.
struct Subnet {
  boost::asio::ip::address network;
  unsigned prefix = 0;

  // "1.2.3.4", "1.2.3.0/24", "::1", "2001:db8::/32"; nullopt for anything else (a host name,
  // a prefix past 32/128, trailing text).
  static std::optional<Subnet> parse(const std::string& text);
  bool contains(const boost::asio::ip::address& address) const;
  std::string to_string() const;
};

class Whitelist {
 public:
  Whitelist() = default;
  // Every entry must parse; otherwise the error names the first bad one.
  static std::variant<Whitelist, std::string> parse(const std::vector<std::string>& entries);

  bool contains(const boost::asio::ip::address& address) const;
  bool empty() const noexcept { return subnets_.empty(); }
  const std::vector<Subnet>& subnets() const noexcept { return subnets_; }

 private:
  std::vector<Subnet> subnets_;
};

}  // namespace bsvpeer::node
