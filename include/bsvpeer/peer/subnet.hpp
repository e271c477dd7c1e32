#pragma once
// An IP subnet as bitcoind's setban takes it: "1.2.3.4" (one address, /32 or /128),
// "1.2.3.0/24", "2001:db8::/32", or a dotted IPv4 netmask "1.2.3.0/255.255.255.0".
// IPv4-mapped IPv6 addresses are treated as IPv4, as the store normalises them.
#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace bsvpeer::peer {

class Subnet {
 public:
  // nullopt: not an address, a prefix out of range or a non-contiguous netmask.
  static std::optional<Subnet> parse(std::string_view text);

  bool contains(const boost::asio::ip::address& address) const;
  // For an address in text form (false when it is not one).
  bool contains(std::string_view ip) const;
  // "1.2.3.0/24": the network address (host bits cleared) and the prefix length.
  std::string to_string() const;
  bool is_v4() const noexcept { return network_.is_v4(); }
  unsigned prefix() const noexcept { return prefix_; }
  bool single_address() const noexcept { return prefix_ == (is_v4() ? 32u : 128u); }

  bool operator==(const Subnet&) const = default;

 private:
  Subnet(boost::asio::ip::address network, unsigned prefix);
  boost::asio::ip::address network_;
  unsigned prefix_ = 0;
};

}  // namespace bsvpeer::peer
