#include <bsvpeer/wire/net_address.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <cstdio>

namespace bsvpeer::wire {
namespace {

// The 12-byte prefix of an IPv4-mapped IPv6 address (::ffff:0:0/96).
constexpr std::array<std::uint8_t, 12> kIpv4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::string ipv6_text(const Ip16& ip) {
  std::array<std::uint16_t, 8> groups{};
  for (std::size_t i = 0; i < groups.size(); ++i)
    groups[i] = static_cast<std::uint16_t>((ip[2 * i] << 8) | ip[2 * i + 1]);

  // RFC 5952 4.2: compress the longest run of two or more zero groups, the first on a tie.
  std::size_t best_start = groups.size();
  std::size_t best_length = 0;
  for (std::size_t i = 0; i < groups.size();) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    std::size_t run_end = i;
    while (run_end < groups.size() && groups[run_end] == 0)
      ++run_end;
    if (run_end - i > best_length) {
      best_start = i;
      best_length = run_end - i;
    }
    i = run_end;
  }
  if (best_length < 2) best_start = groups.size();

  std::string out;
  char group_text[8];
  for (std::size_t i = 0; i < groups.size();) {
    if (i == best_start) {
      out += "::";
      i += best_length;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(group_text, sizeof group_text, "%x", static_cast<unsigned>(groups[i]));
    out += group_text;
    ++i;
  }
  return out;
}

}  // namespace

NetAddress NetAddress::ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                            std::uint16_t port, std::uint64_t services) {
  NetAddress out;
  out.services = services;
  std::copy(kIpv4MappedPrefix.begin(), kIpv4MappedPrefix.end(), out.ip.begin());
  out.ip[12] = a;
  out.ip[13] = b;
  out.ip[14] = c;
  out.ip[15] = d;
  out.port = port;
  return out;
}

bool NetAddress::is_ipv4() const noexcept {
  return std::equal(kIpv4MappedPrefix.begin(), kIpv4MappedPrefix.end(), ip.begin());
}

std::string NetAddress::ip_string() const {
  if (is_ipv4()) {
    char text[16];
    std::snprintf(text, sizeof text, "%u.%u.%u.%u", static_cast<unsigned>(ip[12]),
                  static_cast<unsigned>(ip[13]), static_cast<unsigned>(ip[14]),
                  static_cast<unsigned>(ip[15]));
    return text;
  }
  return ipv6_text(ip);
}

std::optional<Ip16> NetAddress::parse_ip(std::string_view text) {
  // inet_pton needs a NUL-terminated string; an embedded NUL would silently cut the text.
  if (text.empty() || text.size() > INET6_ADDRSTRLEN || text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  const std::string terminated(text);
  std::array<std::uint8_t, 4> v4{};
  if (inet_pton(AF_INET, terminated.c_str(), v4.data()) == 1) {
    return NetAddress::ipv4(v4[0], v4[1], v4[2], v4[3], 0).ip;
  }
  Ip16 v6{};
  if (inet_pton(AF_INET6, terminated.c_str(), v6.data()) == 1) return v6;
  return std::nullopt;
}

void NetAddress::encode(ByteWriter& w) const {
  w.u64le(services);
  w.bytes(ip);
  w.u16be(port);
}

NetAddress NetAddress::decode(ByteReader& r) {
  NetAddress out;
  out.services = r.u64le();
  out.ip = r.array<16>();
  out.port = r.u16be();
  return out;
}

void TimedNetAddress::encode(ByteWriter& w) const {
  w.u32le(time);
  addr.encode(w);
}

TimedNetAddress TimedNetAddress::decode(ByteReader& r) {
  TimedNetAddress out;
  out.time = r.u32le();
  out.addr = NetAddress::decode(r);
  return out;
}

}  // namespace bsvpeer::wire
