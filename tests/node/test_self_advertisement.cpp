// -externalip: which addresses SV would advertise, and the entry we send a peer we dialled.
#include <bsvpeer/node/self_advertisement.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer;
using boost::asio::ip::make_address;

TEST_CASE("self advertisement: routable as SV's IsRoutable") {
  struct Row {
    const char* ip;
    bool routable;
  };
  const Row rows[] = {
      {"1.2.3.4", true},        {"8.8.8.8", true},
      {"100.63.255.255", true}, {"0.1.2.3", false},
      {"10.1.2.3", false},      {"127.0.0.1", false},
      {"100.64.0.1", false},    {"169.254.1.1", false},
      {"172.16.0.1", false},    {"172.31.255.255", false},
      {"172.32.0.1", true},     {"192.168.1.1", false},
      {"198.18.0.1", false},    {"198.19.255.1", false},
      {"198.20.0.1", true},     {"192.0.2.1", false},
      {"198.51.100.7", false},  {"203.0.113.9", false},
      {"224.0.0.1", false},     {"255.255.255.255", false},
      {"2a01:4f8::1", true},    {"::", false},
      {"::1", false},           {"fe80::1", false},
      {"fd00::1", false},       {"fc00::1", false},
      {"2001:db8::1", false},   {"ff02::1", false},
      {"::ffff:1.2.3.4", true}, {"::ffff:10.0.0.1", false},
  };
  for (const auto& row : rows) {
    CAPTURE(std::string(row.ip));
    CHECK(node::is_routable(make_address(row.ip)) == row.routable);
  }
}

TEST_CASE("self advertisement: the entry for a peer") {
  const std::vector<boost::asio::ip::address> external = {
      make_address("10.0.0.1"), make_address("2a01:4f8::5"), make_address("1.2.3.4")};
  SUBCASE("an IPv4 peer gets the routable IPv4 address") {
    const auto e = node::self_advertisement(external, make_address("5.6.7.8"), 8333, 0x21, 1700);
    REQUIRE(e);
    CHECK(e->addr.ip_string() == "1.2.3.4");
    CHECK(e->addr.port == 8333);
    CHECK(e->addr.services == 0x21);
    CHECK(e->time == 1700);
  }
  SUBCASE("an IPv6 peer gets the IPv6 one") {
    const auto e = node::self_advertisement(external, make_address("2a02::9"), 18333, 0, 1);
    REQUIRE(e);
    CHECK(e->addr.ip_string() == "2a01:4f8::5");
  }
  SUBCASE("a mapped IPv4 peer counts as IPv4") {
    const auto e = node::self_advertisement(external, make_address("::ffff:5.6.7.8"), 1, 0, 1);
    REQUIRE(e);
    CHECK(e->addr.ip_string() == "1.2.3.4");
  }
  SUBCASE("no address of the peer's family: the first routable one") {
    const auto e =
        node::self_advertisement({make_address("2a01:4f8::5")}, make_address("5.6.7.8"), 1, 0, 1);
    REQUIRE(e);
    CHECK(e->addr.ip_string() == "2a01:4f8::5");
  }
  SUBCASE("nothing routable: nothing sent") {
    CHECK_FALSE(node::self_advertisement({make_address("192.168.1.2"), make_address("::1")},
                                         make_address("5.6.7.8"), 1, 0, 1));
    CHECK_FALSE(node::self_advertisement({}, make_address("5.6.7.8"), 1, 0, 1));
  }
}
