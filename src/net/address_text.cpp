#include <bsvpeer/net/address_text.hpp>

#include <algorithm>
#include <charconv>

namespace bsvpeer::net {

namespace asio = boost::asio;

std::string ip_text(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

std::string endpoint_text(const asio::ip::tcp::endpoint& endpoint) {
  const auto ip = ip_text(endpoint.address());
  const auto port = std::to_string(endpoint.port());
  return ip.find(':') == std::string::npos ? ip + ":" + port : "[" + ip + "]:" + port;
}

std::optional<asio::ip::tcp::endpoint> parse_endpoint(std::string_view text,
                                                      std::uint16_t default_port) {
  std::string_view host = text;
  std::optional<std::string_view> port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {  // IPv6 needs the brackets
    const auto colon = text.find(':');
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(std::string(host), ec);
  if (ec) return std::nullopt;
  std::uint16_t port = default_port;
  if (port_text) {
    const auto* end = port_text->data() + port_text->size();
    auto [ptr, err] = std::from_chars(port_text->data(), end, port);
    if (port_text->empty() || err != std::errc() || ptr != end) return std::nullopt;
  }
  if (port == 0) return std::nullopt;
  return asio::ip::tcp::endpoint(address, port);
}

}  // namespace bsvpeer::net
