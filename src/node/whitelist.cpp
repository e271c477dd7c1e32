#include <bsvpeer/node/whitelist.hpp>

#include <algorithm>
#include <array>

namespace bsvpeer::node {
namespace {

// Both sides as IPv6 bytes, IPv4 as IPv4-mapped, so a v4 subnet matches a mapped peer.
std::array<unsigned char, 16> v6_bytes(const boost::asio::ip::address& a) {
  if (a.is_v4()) {
    return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, a.to_v4()).to_bytes();
  }
  return a.to_v6().to_bytes();
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::optional<Subnet> Subnet::parse(const std::string& text) {
  const auto slash = text.find('/');
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(text.substr(0, slash), ec);
  if (ec) return std::nullopt;
  const unsigned max = address.is_v4() ? 32 : 128;
  unsigned prefix = max;
  if (slash != std::string::npos) {
    const auto digits = text.substr(slash + 1);
    if (!all_digits(digits) || digits.size() > 3) return std::nullopt;
    prefix = static_cast<unsigned>(std::stoul(digits));
    if (prefix > max) return std::nullopt;
  }
  return Subnet{address, prefix};
}

bool Subnet::contains(const boost::asio::ip::address& address) const {
  // A v6 subnet never matches a plain v4 peer's mapped form unless it is itself a mapped range.
  const auto n = v6_bytes(network);
  const auto b = v6_bytes(address);
  const unsigned bits = network.is_v4() ? prefix + 96 : prefix;
  for (unsigned i = 0; i < bits; ++i) {
    const unsigned byte = i / 8, bit = 7 - i % 8;
    if (((n[byte] >> bit) & 1) != ((b[byte] >> bit) & 1)) return false;
  }
  return true;
}

std::string Subnet::to_string() const {
  return network.to_string() + "/" + std::to_string(prefix);
}

std::variant<Whitelist, std::string> Whitelist::parse(const std::vector<std::string>& entries) {
  Whitelist out;
  for (const auto& e : entries) {
    auto subnet = Subnet::parse(e);
    if (!subnet) return "not an IP address or CIDR subnet: '" + e + "'";
    out.subnets_.push_back(*subnet);
  }
  return out;
}

bool Whitelist::contains(const boost::asio::ip::address& address) const {
  return std::any_of(subnets_.begin(), subnets_.end(),
                     [&](const Subnet& s) { return s.contains(address); });
}

}  // namespace bsvpeer::node
