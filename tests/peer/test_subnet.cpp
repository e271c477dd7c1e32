#include <bsvpeer/peer/subnet.hpp>

#include <doctest/doctest.h>

using bsvpeer::peer::Subnet;

TEST_CASE("subnet: parses the forms setban takes") {
  struct Row {
    const char* text;
    const char* normal;  // nullptr: refused
  };
  const Row rows[] = {
      {"1.2.3.4", "1.2.3.4/32"},
      {"1.2.3.4/24", "1.2.3.0/24"},
      {"1.2.3.4/255.255.0.0", "1.2.0.0/16"},
      {"10.0.0.0/0", "0.0.0.0/0"},
      {"2001:db8::1", "2001:db8::1/128"},
      {"2001:db8::1/32", "2001:db8::/32"},
      {"::ffff:1.2.3.4", "1.2.3.4/32"},
      {"1.2.3.4/33", nullptr},
      {"1.2.3.4/255.0.255.0", nullptr},
      {"2001:db8::/129", nullptr},
      {"1.2.3.4/", nullptr},
      {"1.2.3.4/-1", nullptr},
      {"host.example", nullptr},
      {"", nullptr},
  };
  for (const auto& row : rows) {
    CAPTURE(row.text);
    auto s = Subnet::parse(row.text);
    if (row.normal) {
      REQUIRE(s.has_value());
      CHECK(s->to_string() == row.normal);
    } else {
      CHECK_FALSE(s.has_value());
    }
  }
}

TEST_CASE("subnet: contains") {
  auto s = *Subnet::parse("192.168.1.0/24");
  CHECK(s.contains(std::string_view("192.168.1.77")));
  CHECK(s.contains(std::string_view("::ffff:192.168.1.1")));
  CHECK_FALSE(s.contains(std::string_view("192.168.2.1")));
  CHECK_FALSE(s.contains(std::string_view("2001:db8::1")));
  CHECK_FALSE(s.contains(std::string_view("nonsense")));
  auto one = *Subnet::parse("127.0.0.5");
  CHECK(one.single_address());
  CHECK(one.contains(std::string_view("127.0.0.5")));
  CHECK_FALSE(one.contains(std::string_view("127.0.0.6")));
  auto v6 = *Subnet::parse("2001:db8::/32");
  CHECK(v6.contains(std::string_view("2001:db8:ffff::1")));
  CHECK_FALSE(v6.contains(std::string_view("2001:db9::1")));
}
