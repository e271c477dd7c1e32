#include <bsvpeer/node/netgroup.hpp>

#include <doctest/doctest.h>

#include <set>
#include <sstream>
#include <string>

using namespace bsvpeer::node;

namespace {

boost::asio::ip::address ip(const char* text) {
  return boost::asio::ip::make_address(text);
}

}  // namespace

TEST_CASE("netgroup_of maps each address family onto SV's groups") {
  struct Row {
    const char* address;
    const char* group;
  };
  const Row rows[] = {
      {"1.2.3.4", "1.2.0.0/16"},
      {"1.2.255.255", "1.2.0.0/16"},
      {"203.0.113.9", "203.0.0.0/16"},
      {"::ffff:1.2.3.4", "1.2.0.0/16"},                        // IPv4-mapped counts as the IPv4
      {"64:ff9b::102:304", "1.2.0.0/16"},                      // NAT64 of 1.2.3.4
      {"::ffff:0:102:304", "1.2.0.0/16"},                      // SIIT of 1.2.3.4
      {"2002:102:304::1", "1.2.0.0/16"},                       // 6to4 of 1.2.3.4
      {"2001:0:4136:e378:8000:63bf:fefd:fcfb", "1.2.0.0/16"},  // Teredo, client ~fefdfcfb
      {"2001:db8:1234:5678::1", "2001:db8::/32"},
      {"2001:db8:ffff::", "2001:db8::/32"},
      {"2a01:4f8:1:2::3", "2a01:4f8::/32"},
      {"2001:470:1f0b:5::1", "2001:470:1000::/36"},  // he.net: by /36
      {"2001:470:2000::1", "2001:470:2000::/36"},
      {"::1", "::/32"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.address);
    CHECK(to_string(netgroup_of(ip(row.address))) == row.group);
    auto from_text = netgroup_of(std::string_view(row.address));
    REQUIRE(from_text.has_value());
    CHECK(*from_text == netgroup_of(ip(row.address)));
  }
}

TEST_CASE("addresses share a group exactly when their keys are equal") {
  struct Row {
    const char* a;
    const char* b;
    bool same;
  };
  const Row rows[] = {
      {"1.2.3.4", "1.2.200.1", true},
      {"1.2.3.4", "1.3.3.4", false},
      {"1.2.3.4", "::ffff:1.2.9.9", true},
      {"1.2.3.4", "2002:102:909::", true},  // 6to4 of 1.2.9.9
      {"2001:db8::1", "2001:db8:ffff::1", true},
      {"2001:db8::1", "2001:db9::1", false},
      {"2001:470:1000::1", "2001:470:1fff::1", true},
      {"2001:470:1000::1", "2001:470:2000::1", false},
      // An IPv6 /32 whose bytes look like an IPv4 /16 is still another group.
      {"1.2.0.0", "102:0304::", false},
  };
  for (const Row& row : rows) {
    CAPTURE(row.a);
    CAPTURE(row.b);
    CHECK((netgroup_of(ip(row.a)) == netgroup_of(ip(row.b))) == row.same);
  }
  std::set<NetGroup> groups{netgroup_of(ip("1.2.3.4")), netgroup_of(ip("1.2.7.7")),
                            netgroup_of(ip("1.3.0.1"))};
  CHECK(groups.size() == 2);
}

TEST_CASE("netgroup_of refuses text that is not an IP") {
  for (const char* text : {"", "1.2.3", "example.com", "1.2.3.4:8333", "::g"}) {
    CAPTURE(text);
    CHECK_FALSE(netgroup_of(std::string_view(text)).has_value());
  }
}

TEST_CASE("a group prints in CIDR form") {
  std::ostringstream out;
  out << netgroup_of(ip("10.20.30.40"));
  CHECK(out.str() == "10.20.0.0/16");
}

TEST_CASE("local ranges are exempt from the netgroup rule, the internet is not") {
  struct Row {
    const char* address;
    bool exempt;
  };
  const Row rows[] = {
      {"127.0.0.1", true},
      {"127.0.0.2", true},
      {"127.255.255.255", true},
      {"10.0.0.1", true},
      {"10.255.0.1", true},
      {"172.16.0.1", true},
      {"172.31.255.254", true},
      {"172.15.0.1", false},
      {"172.32.0.1", false},
      {"192.168.1.1", true},
      {"192.169.1.1", false},
      {"169.254.3.4", true},
      {"169.253.3.4", false},
      {"::ffff:127.0.0.1", true},
      {"::ffff:10.1.2.3", true},
      {"::ffff:8.8.8.8", false},
      {"::1", true},
      {"fe80::1", true},
      {"febf::1", true},
      {"fec0::1", false},
      {"fc00::1", true},
      {"fd12:3456::1", true},
      {"fe00::1", false},
      {"8.8.8.8", false},
      {"1.2.3.4", false},
      {"11.0.0.1", false},
      {"2001:db8::1", false},
      {"2a01:4f8::1", false},
  };
  for (const Row& row : rows) {
    CAPTURE(row.address);
    CHECK(is_exempt_from_netgroup_rule(ip(row.address)) == row.exempt);
  }
}
