#pragma once
// A peer's address as the store keys it: a normalised IP text and a non-zero port.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bsvpeer::peer {

// IPv4 as a dotted quad; IPv6 in RFC 5952 form; IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes
// IPv4, so one host never appears under two spellings. nullopt when the text is not an IP.
std::optional<std::string> normalise_ip(std::string_view text);

struct PeerEndpoint {
  std::string ip;  // always normalised
  std::uint16_t port = 0;

  auto operator<=>(const PeerEndpoint&) const = default;
};

// nullopt for a text that is not an IP or for port 0.
std::optional<PeerEndpoint> make_peer_endpoint(std::string_view ip, std::uint16_t port);

// "1.2.3.4:8333", "[2001:db8::1]:8333".
std::string to_string(const PeerEndpoint& endpoint);

}  // namespace bsvpeer::peer
