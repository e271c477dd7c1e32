#include <bsvpeer/net/address_text.hpp>

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

}  // namespace bsvpeer::net
