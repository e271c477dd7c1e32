#pragma once
// net_addr as carried in version (no time) and addr (with a uint32 time) messages.
#include <bsvpeer/wire/byte_reader.hpp>
#include <bsvpeer/wire/byte_writer.hpp>

#include <optional>
#include <string>

namespace bsvpeer::wire {

using Ip16 = std::array<std::uint8_t, 16>;  // IPv6, or IPv4-mapped ::ffff:a.b.c.d

struct NetAddress {
  std::uint64_t services = 0;
  Ip16 ip{};               // all zero = "unspecified" (what SV sends in addr_from)
  std::uint16_t port = 0;  // host order here; big-endian on the wire

  static NetAddress ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                         std::uint16_t port, std::uint64_t services = 0);
  bool is_ipv4() const noexcept;  // IPv4-mapped
  // Dotted quad for IPv4-mapped addresses, RFC 5952 text otherwise ("::" when all zero).
  std::string ip_string() const;
  static std::optional<Ip16> parse_ip(std::string_view text);  // IPv4 or IPv6 text

  void encode(ByteWriter& w) const;         // 26 bytes
  static NetAddress decode(ByteReader& r);  // sticky error on truncation
  friend bool operator==(const NetAddress&, const NetAddress&) = default;
};

struct TimedNetAddress {
  std::uint32_t time = 0;
  NetAddress addr;

  void encode(ByteWriter& w) const;  // 30 bytes
  static TimedNetAddress decode(ByteReader& r);
  friend bool operator==(const TimedNetAddress&, const TimedNetAddress&) = default;
};

}  // namespace bsvpeer::wire
