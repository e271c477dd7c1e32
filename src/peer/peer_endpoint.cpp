#include <bsvpeer/peer/peer_endpoint.hpp>

#include <boost/asio/ip/address.hpp>

#include <string>

namespace bsvpeer::peer {

std::optional<std::string> normalise_ip(std::string_view text) {
  boost::system::error_code ec;
  // make_address goes through inet_pton (strict dotted quads, no "1.2.3") and to_string
  // through inet_ntop, whose IPv6 output is the RFC 5952 form.
  auto address = boost::asio::ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6())
        .to_string();
  }
  return address.to_string();
}

std::optional<PeerEndpoint> make_peer_endpoint(std::string_view ip, std::uint16_t port) {
  if (port == 0) return std::nullopt;
  auto normalised = normalise_ip(ip);
  if (!normalised) return std::nullopt;
  return PeerEndpoint{std::move(*normalised), port};
}

std::string to_string(const PeerEndpoint& endpoint) {
  if (endpoint.ip.find(':') != std::string::npos) {
    return "[" + endpoint.ip + "]:" + std::to_string(endpoint.port);
  }
  return endpoint.ip + ":" + std::to_string(endpoint.port);
}

}  // namespace bsvpeer::peer
