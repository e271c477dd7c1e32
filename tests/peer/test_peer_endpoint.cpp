#include <bsvpeer/peer/peer_endpoint.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer::peer;

TEST_CASE("normalise_ip: dotted quads, RFC 5952 IPv6, v4-mapped folded to IPv4") {
  struct Row {
    const char* given;
    const char* expected;  // nullptr: refused
  };
  const Row rows[] = {
      {"1.2.3.4", "1.2.3.4"},
      {"255.255.255.255", "255.255.255.255"},
      {"::ffff:1.2.3.4", "1.2.3.4"},
      {"::FFFF:102:304", "1.2.3.4"},
      {"2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},     // the first of two equal runs
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},  // one zero field stays
      {"0:0:0:0:0:0:0:1", "::1"},
      {"::", "::"},
      {"1.2.3", nullptr},
      {"1.2.3.256", nullptr},
      {"1.2.3.4 ", nullptr},
      {"example.com", nullptr},
      {"", nullptr},
      {"2001:db8::1::2", nullptr},
  };
  for (const auto& row : rows) {
    CAPTURE(row.given);
    auto normalised = normalise_ip(row.given);
    if (row.expected == nullptr) {
      CHECK_FALSE(normalised.has_value());
    } else {
      REQUIRE(normalised.has_value());
      CHECK(*normalised == row.expected);
    }
  }
}

TEST_CASE("make_peer_endpoint refuses port 0 and non-IPs, prints brackets for IPv6") {
  CHECK_FALSE(make_peer_endpoint("1.2.3.4", 0).has_value());
  CHECK_FALSE(make_peer_endpoint("seed.bitcoinsv.io", 8333).has_value());
  auto v4 = make_peer_endpoint("::ffff:1.2.3.4", 8333);
  REQUIRE(v4.has_value());
  CHECK(*v4 == PeerEndpoint{"1.2.3.4", 8333});
  CHECK(to_string(*v4) == "1.2.3.4:8333");
  auto v6 = make_peer_endpoint("2001:DB8::1", 18333);
  REQUIRE(v6.has_value());
  CHECK(to_string(*v6) == "[2001:db8::1]:18333");
}
