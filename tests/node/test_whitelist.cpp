// Whitelist: which entries parse and which peers they match.
#include <bsvpeer/node/whitelist.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer::node;
using boost::asio::ip::make_address;

TEST_CASE("whitelist: entries that parse and entries that do not") {
  const char* good[] = {"1.2.3.4",       "10.0.0.0/8", "0.0.0.0/0",   "::1",
                        "2001:db8::/32", "::/0",       "127.0.0.1/32"};
  for (const auto* e : good) {
    CAPTURE(e);
    CHECK(Subnet::parse(e).has_value());
  }
  const char* bad[] = {"",          "localhost", "1.2.3.4/33", "::1/129",    "1.2.3.4/",
                       "1.2.3.4/x", "1.2.3/24",  "1.2.3.4:80", "1.2.3.4/-1", "1.2.3.4/0024"};
  for (const auto* e : bad) {
    CAPTURE(e);
    CHECK_FALSE(Subnet::parse(e).has_value());
  }
  auto parsed = Whitelist::parse({"1.2.3.4", "nope"});
  REQUIRE(std::holds_alternative<std::string>(parsed));
  CHECK(std::get<std::string>(parsed) == "not an IP address or CIDR subnet: 'nope'");
}

TEST_CASE("whitelist: matching") {
  auto parsed = Whitelist::parse({"192.168.1.0/24", "10.1.2.3", "2001:db8::/32"});
  REQUIRE(std::holds_alternative<Whitelist>(parsed));
  const auto& w = std::get<Whitelist>(parsed);
  struct Row {
    const char* ip;
    bool in;
  };
  const Row rows[] = {
      {"192.168.1.0", true},      {"192.168.1.255", true}, {"192.168.2.1", false},
      {"10.1.2.3", true},         {"10.1.2.4", false},     {"::ffff:192.168.1.7", true},
      {"2001:db8:ffff::1", true}, {"2001:db9::1", false},  {"::1", false},
      {"127.0.0.1", false}};
  for (const auto& row : rows) {
    CAPTURE(row.ip);
    CHECK(w.contains(make_address(row.ip)) == row.in);
  }
  CHECK_FALSE(Whitelist{}.contains(make_address("1.2.3.4")));
  CHECK(std::get<Whitelist>(Whitelist::parse({"0.0.0.0/0"})).contains(make_address("8.8.8.8")));
  CHECK(Subnet::parse("10.0.0.0/8")->to_string() == "10.0.0.0/8");
}
