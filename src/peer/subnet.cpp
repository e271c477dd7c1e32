#include <bsvpeer/peer/subnet.hpp>

#include <algorithm>
#include <array>
#include <bit>

namespace bsvpeer::peer {

namespace ip = boost::asio::ip;

namespace {

// IPv4-mapped IPv6 is IPv4 here, as everywhere in the store.
ip::address unmapped(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

template <std::size_t N>
std::array<unsigned char, N> masked(std::array<unsigned char, N> bytes, unsigned prefix) {
  for (std::size_t i = 0; i < N; ++i) {
    const unsigned bits = prefix >= (i + 1) * 8 ? 8 : (prefix > i * 8 ? prefix - i * 8 : 0);
    bytes[i] &= static_cast<unsigned char>(bits == 0 ? 0 : 0xFF << (8 - bits));
  }
  return bytes;
}

std::optional<unsigned> parse_prefix(std::string_view text, bool v4) {
  const unsigned max = v4 ? 32 : 128;
  if (!text.empty() && text.size() <= 3 &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    const unsigned p = static_cast<unsigned>(std::stoul(std::string(text)));
    if (p <= max) return p;
    return std::nullopt;
  }
  if (!v4) return std::nullopt;
  // A dotted netmask: its ones must be contiguous from the left.
  boost::system::error_code ec;
  const auto mask = ip::make_address_v4(std::string(text), ec);
  if (ec) return std::nullopt;
  const std::uint32_t m = mask.to_uint();
  const unsigned ones = static_cast<unsigned>(std::countl_one(m));
  if (ones < 32 && (m << ones) != 0) return std::nullopt;
  return ones;
}

}  // namespace

Subnet::Subnet(ip::address network, unsigned prefix) : network_(network), prefix_(prefix) {}

std::optional<Subnet> Subnet::parse(std::string_view text) {
  const auto slash = text.find('/');
  boost::system::error_code ec;
  auto address = ip::make_address(std::string(text.substr(0, slash)), ec);
  if (ec) return std::nullopt;
  address = unmapped(address);
  unsigned prefix = address.is_v4() ? 32 : 128;
  if (slash != std::string_view::npos) {
    auto p = parse_prefix(text.substr(slash + 1), address.is_v4());
    if (!p) return std::nullopt;
    prefix = *p;
  }
  if (address.is_v4()) {
    return Subnet(ip::address_v4(masked(address.to_v4().to_bytes(), prefix)), prefix);
  }
  return Subnet(ip::address_v6(masked(address.to_v6().to_bytes(), prefix)), prefix);
}

bool Subnet::contains(const ip::address& a) const {
  const auto address = unmapped(a);
  if (address.is_v4() != network_.is_v4()) return false;
  if (address.is_v4()) {
    return ip::address_v4(masked(address.to_v4().to_bytes(), prefix_)) == network_.to_v4();
  }
  return ip::address_v6(masked(address.to_v6().to_bytes(), prefix_)) == network_.to_v6();
}

bool Subnet::contains(std::string_view text) const {
  boost::system::error_code ec;
  const auto address = ip::make_address(std::string(text), ec);
  return !ec && contains(address);
}

std::string Subnet::to_string() const {
  return network_.to_string() + "/" + std::to_string(prefix_);
}

}  // namespace bsvpeer::peer
