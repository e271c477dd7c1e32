#include <bsvpeer/node/inbound_address.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer;
using namespace bsvpeer::node;

namespace {

constexpr peer::UnixSeconds kNow = 1'700'000'000;

wire::Version version_from(std::string_view ip, std::uint16_t port,
                           std::uint64_t services = net::kNodeNetwork) {
  wire::Version v;
  v.services = services;
  if (!ip.empty()) v.addr_from.ip = *wire::NetAddress::parse_ip(ip);
  v.addr_from.port = port;
  return v;
}

}  // namespace

TEST_CASE("announced_listen_address: only a usable addr_from with the connection's own IP") {
  const AddrFilter filter;  // SV's defaults: NODE_NETWORK required
  struct Row {
    const char* name;
    wire::Version version;
    const char* peer_ip;
    std::optional<std::uint16_t> expected_port;
  };
  const Row rows[] = {
      {"its own IP and a port", version_from("1.2.3.4", 8333), "1.2.3.4", 8333},
      {"another listening port", version_from("1.2.3.4", 18444), "1.2.3.4", 18444},
      {"empty, as SV sends it", version_from("", 0), "1.2.3.4", std::nullopt},
      {"unspecified IP with a port", version_from("0.0.0.0", 8333), "1.2.3.4", std::nullopt},
      {"its IP, port 0", version_from("1.2.3.4", 0), "1.2.3.4", std::nullopt},
      {"another IP: not a claim we can trust", version_from("5.6.7.8", 8333), "1.2.3.4",
       std::nullopt},
      {"lacks the required services", version_from("1.2.3.4", 8333, 0), "1.2.3.4", std::nullopt},
      {"multicast", version_from("224.0.0.1", 8333), "224.0.0.1", std::nullopt},
      {"IPv6", version_from("2001:db8::1", 8333), "2001:db8::1", 8333},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    const auto got = announced_listen_address(row.version, row.peer_ip, filter, kNow);
    CHECK(got.has_value() == row.expected_port.has_value());
    if (got && row.expected_port) {
      CHECK(got->ip == row.peer_ip);
      CHECK(got->port == *row.expected_port);
      CHECK(got->time == kNow);
    }
  }
}

TEST_CASE("announced_listen_address: a loopback test network accepts what its gossip accepts") {
  // A local mesh advertises no services and sets required_services to 0; 127.0.0.x passes.
  const AddrFilter mesh(AddrFilterOptions{.required_services = 0});
  const auto got =
      announced_listen_address(version_from("127.0.0.17", 18444, 0), "127.0.0.17", mesh, kNow);
  REQUIRE(got.has_value());
  CHECK(got->ip == "127.0.0.17");
  CHECK(got->port == 18444);
  // The same peer without an announcement stays out of the store.
  CHECK_FALSE(announced_listen_address(version_from("", 0, 0), "127.0.0.17", mesh, kNow));
}

TEST_CASE("self_announcements: only the entries with the sender's IP") {
  const std::vector<AddrCandidate> entries = {
      {"1.2.3.4", 8333, 1, kNow},
      {"5.6.7.8", 8333, 1, kNow},
      {"1.2.3.4", 9333, 1, kNow},
  };
  const auto own = self_announcements(entries, "1.2.3.4");
  REQUIRE(own.size() == 2);
  CHECK(own[0].port == 8333);
  CHECK(own[1].port == 9333);
  CHECK(self_announcements(entries, "9.9.9.9").empty());
}
