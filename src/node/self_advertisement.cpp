#include <bsvpeer/node/self_advertisement.hpp>

#include <algorithm>

namespace bsvpeer::node {
namespace {

using boost::asio::ip::address;

// IPv4-mapped IPv6 addresses count as IPv4, as SV reads them.
address unmapped(const address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  }
  return a;
}

bool in_v4(std::uint32_t ip, std::uint32_t network, unsigned prefix) {
  const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return (ip & mask) == (network & mask);
}

bool routable_v4(std::uint32_t ip) {
  struct Range {
    std::uint32_t network;
    unsigned prefix;
  };
  constexpr Range kNotRoutable[] = {
      {0x00000000, 8},   // 0.0.0.0/8
      {0x0A000000, 8},   // RFC 1918
      {0x7F000000, 8},   // loopback
      {0x64400000, 10},  // RFC 6598 shared
      {0xA9FE0000, 16},  // RFC 3927 link-local
      {0xAC100000, 12},  // RFC 1918
      {0xC0A80000, 16},  // RFC 1918
      {0xC6120000, 15},  // RFC 2544 benchmarking
      {0xC0000200, 24},  // RFC 5737 TEST-NET-1
      {0xC6336400, 24},  // RFC 5737 TEST-NET-2
      {0xCB007100, 24},  // RFC 5737 TEST-NET-3
      {0xE0000000, 3},   // multicast and reserved (224/4, 240/4)
  };
  return std::none_of(std::begin(kNotRoutable), std::end(kNotRoutable),
                      [&](const Range& r) { return in_v4(ip, r.network, r.prefix); });
}

bool routable_v6(const boost::asio::ip::address_v6& a) {
  if (a.is_unspecified() || a.is_loopback() || a.is_multicast() || a.is_link_local()) {
    return false;
  }
  const auto b = a.to_bytes();
  if ((b[0] & 0xFE) == 0xFC) return false;                                         // RFC 4193
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) return false;  // RFC 3849
  return true;
}

}  // namespace

bool is_routable(const address& address_in) {
  const auto a = unmapped(address_in);
  if (a.is_v4()) return routable_v4(a.to_v4().to_uint());
  return routable_v6(a.to_v6());
}

std::optional<wire::TimedNetAddress> self_advertisement(const std::vector<address>& external,
                                                        const address& peer, std::uint16_t port,
                                                        std::uint64_t services, std::uint32_t now) {
  const bool peer_v4 = unmapped(peer).is_v4();
  const address* chosen = nullptr;
  for (const auto& a : external) {
    if (!is_routable(a)) continue;
    if (unmapped(a).is_v4() == peer_v4) {
      chosen = &a;
      break;
    }
    if (!chosen) chosen = &a;
  }
  if (!chosen) return std::nullopt;
  const auto ip = wire::NetAddress::parse_ip(unmapped(*chosen).to_string());
  if (!ip) return std::nullopt;
  wire::TimedNetAddress entry;
  entry.time = now;
  entry.addr.services = services;
  entry.addr.ip = *ip;
  entry.addr.port = port;
  return entry;
}

}  // namespace bsvpeer::node
