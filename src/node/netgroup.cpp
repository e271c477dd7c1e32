#include <bsvpeer/node/netgroup.hpp>

#include <algorithm>
#include <ostream>
#include <string>

namespace bsvpeer::node {

namespace {

using boost::asio::ip::address;
using boost::asio::ip::address_v4;
using boost::asio::ip::address_v6;

NetGroup ipv4_group(std::uint8_t a, std::uint8_t b) {
  return NetGroup{NetGroup::Family::ipv4, 16, {a, b, 0, 0, 0}};
}

// IPv4-mapped addresses count as the IPv4 they carry, everywhere in this file.
address unmapped(const address& addr) {
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, addr.to_v6());
  }
  return addr;
}

bool exempt_v4(const address_v4& addr) {
  const auto b = addr.to_bytes();
  return b[0] == 127                              // loopback
         || b[0] == 10                            // RFC 1918
         || (b[0] == 172 && (b[1] & 0xF0) == 16)  // RFC 1918 172.16.0.0/12
         || (b[0] == 192 && b[1] == 168)          // RFC 1918
         || (b[0] == 169 && b[1] == 254);         // link-local
}

bool exempt_v6(const address_v6& addr) {
  const auto b = addr.to_bytes();
  return addr.is_loopback()                          // ::1
         || (b[0] == 0xFE && (b[1] & 0xC0) == 0x80)  // link-local fe80::/10
         || (b[0] & 0xFE) == 0xFC;                   // unique-local fc00::/7
}

}  // namespace

std::string to_string(const NetGroup& group) {
  if (group.family == NetGroup::Family::ipv4) {
    return address_v4({group.prefix[0], group.prefix[1], group.prefix[2], group.prefix[3]})
               .to_string() +
           "/" + std::to_string(group.prefix_bits);
  }
  address_v6::bytes_type bytes{};
  for (std::size_t i = 0; i < group.prefix.size(); ++i)
    bytes[i] = group.prefix[i];
  return address_v6(bytes).to_string() + "/" + std::to_string(group.prefix_bits);
}

std::ostream& operator<<(std::ostream& os, const NetGroup& group) {
  return os << to_string(group);
}

NetGroup netgroup_of(const address& input) {
  const address addr = unmapped(input);
  if (addr.is_v4()) {
    const auto b = addr.to_v4().to_bytes();
    return ipv4_group(b[0], b[1]);
  }
  const auto b = addr.to_v6().to_bytes();
  const bool nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B &&
                     std::all_of(b.begin() + 4, b.begin() + 12, [](auto x) { return x == 0; });
  const bool siit = std::all_of(b.begin(), b.begin() + 8, [](auto x) { return x == 0; }) &&
                    b[8] == 0xFF && b[9] == 0xFF && b[10] == 0 && b[11] == 0;
  if (nat64 || siit) {
    // RFC 6052 (64:ff9b::/96) and RFC 6145 (::ffff:0:0:0/96) carry an IPv4 in the last 4
    // bytes; the host behind them is that IPv4.
    return ipv4_group(b[12], b[13]);
  }
  if (b[0] == 0x20 && b[1] == 0x02) {
    // 6to4: 2002:AABB:CCDD::/48 carries AA.BB.CC.DD right after the prefix.
    return ipv4_group(b[2], b[3]);
  }
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) {
    // Teredo: the client's IPv4 sits in the last 4 bytes, every bit inverted (RFC 4380).
    return ipv4_group(static_cast<std::uint8_t>(~b[12]), static_cast<std::uint8_t>(~b[13]));
  }
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x04 && b[3] == 0x70) {
    // Hurricane Electric hands out /48s from one /32; SV groups them by /36.
    return NetGroup{NetGroup::Family::ipv6,
                    36,
                    {b[0], b[1], b[2], b[3], static_cast<std::uint8_t>(b[4] & 0xF0)}};
  }
  return NetGroup{NetGroup::Family::ipv6, 32, {b[0], b[1], b[2], b[3], 0}};
}

std::optional<NetGroup> netgroup_of(std::string_view ip) {
  boost::system::error_code ec;
  const address addr = boost::asio::ip::make_address(std::string(ip), ec);
  if (ec) return std::nullopt;
  return netgroup_of(addr);
}

bool is_exempt_from_netgroup_rule(const address& input) {
  const address addr = unmapped(input);
  return addr.is_v4() ? exempt_v4(addr.to_v4()) : exempt_v6(addr.to_v6());
}

}  // namespace bsvpeer::node
