#include <bsvpeer/node/addr_filter.hpp>
#include <bsvpeer/peer/peer_endpoint.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace bsvpeer::node;
using bsvpeer::net::kNodeBitcoinCash;
using bsvpeer::net::kNodeNetwork;
using bsvpeer::peer::UnixSeconds;
using bsvpeer::wire::NetAddress;
using bsvpeer::wire::TimedNetAddress;

namespace {

constexpr UnixSeconds kNow = 1763800000;
constexpr UnixSeconds kHour = 3600;
constexpr UnixSeconds kDay = 24 * kHour;

TimedNetAddress entry(const char* ip, std::uint16_t port = 8333,
                      std::uint64_t services = kNodeNetwork, UnixSeconds time = kNow - kHour) {
  TimedNetAddress timed;
  timed.time = static_cast<std::uint32_t>(time);
  auto parsed = NetAddress::parse_ip(ip);
  REQUIRE(parsed.has_value());
  timed.addr.ip = *parsed;
  timed.addr.port = port;
  timed.addr.services = services;
  return timed;
}

}  // namespace

TEST_CASE("each rule keeps or drops a single entry") {
  struct Row {
    const char* name;
    TimedNetAddress given;
    bool kept;
    UnixSeconds expected_time;  // when kept
  };
  const Row rows[] = {
      {"a fresh NODE_NETWORK entry", entry("1.2.3.4"), true, kNow - kHour},
      {"extra service bits are fine", entry("1.2.3.4", 8333, kNodeNetwork | kNodeBitcoinCash), true,
       kNow - kHour},
      {"no NODE_NETWORK", entry("1.2.3.4", 8333, 0), false, 0},
      {"only other services", entry("1.2.3.4", 8333, kNodeBitcoinCash), false, 0},
      {"port 0", entry("1.2.3.4", 0), false, 0},
      {"unspecified IPv4", entry("0.0.0.0"), false, 0},
      {"unspecified IPv6", entry("::"), false, 0},
      {"multicast IPv4", entry("224.0.0.1"), false, 0},
      {"multicast IPv6", entry("ff02::1"), false, 0},
      {"an IPv6 entry", entry("2001:db8::1"), true, kNow - kHour},
      {"time exactly now", entry("1.2.3.4", 8333, kNodeNetwork, kNow), true, kNow},
      {"10 minutes ahead is tolerated", entry("1.2.3.4", 8333, kNodeNetwork, kNow + 600), true,
       kNow + 600},
      {"more than 10 minutes ahead becomes now - 5 days",
       entry("1.2.3.4", 8333, kNodeNetwork, kNow + 601), true, kNow - 5 * kDay},
      {"a time at the floor becomes now - 5 days", entry("1.2.3.4", 8333, kNodeNetwork, 100000000),
       true, kNow - 5 * kDay},
      {"a zero time becomes now - 5 days", entry("1.2.3.4", 8333, kNodeNetwork, 0), true,
       kNow - 5 * kDay},
      {"just above the floor is taken as given, then too old",
       entry("1.2.3.4", 8333, kNodeNetwork, 100000001), false, 0},
      {"exactly 7 days old", entry("1.2.3.4", 8333, kNodeNetwork, kNow - 7 * kDay), true,
       kNow - 7 * kDay},
      {"older than 7 days", entry("1.2.3.4", 8333, kNodeNetwork, kNow - 7 * kDay - 1), false, 0},
  };
  const AddrFilter filter;
  for (const Row& row : rows) {
    CAPTURE(row.name);
    const auto result = filter.filter({&row.given, 1}, kNow);
    REQUIRE(result.candidates.size() == (row.kept ? 1u : 0u));
    if (row.kept) {
      CHECK(result.candidates.front().time == row.expected_time);
      CHECK(result.candidates.front().services == row.given.addr.services);
      CHECK(result.candidates.front().port == row.given.addr.port);
    }
  }
}

TEST_CASE("the counts say why each entry went") {
  const std::vector<TimedNetAddress> entries = {
      entry("1.1.1.1"),                                        // kept
      entry("2.2.2.2", 8333, 0),                               // missing services
      entry("3.3.3.3", 0),                                     // unusable
      entry("4.4.4.4", 8333, kNodeNetwork, kNow - 30 * kDay),  // too old
      entry("1.1.1.1"),                                        // duplicate
      entry("::ffff:1.1.1.1"),                                 // duplicate, other spelling
      entry("1.1.1.1", 8334),                                  // another port: kept
      entry("5.5.5.5", 8333, kNodeNetwork, 0),                 // kept, time adjusted
  };
  const auto result = AddrFilter{}.filter(entries, kNow);
  AddrFilterCounts expected;
  expected.missing_services = 1;
  expected.unusable_address = 1;
  expected.too_old = 1;
  expected.duplicate = 2;
  expected.time_adjusted = 1;
  CHECK(result.counts == expected);
  const std::vector<AddrCandidate> kept = {
      {"1.1.1.1", 8333, kNodeNetwork, kNow - kHour},
      {"1.1.1.1", 8334, kNodeNetwork, kNow - kHour},
      {"5.5.5.5", 8333, kNodeNetwork, kNow - 5 * kDay},
  };
  CHECK(result.candidates == kept);
}

TEST_CASE("ips come out normalised as the store spells them") {
  struct Row {
    const char* given;
    const char* expected;
  };
  const Row rows[] = {
      {"::ffff:1.2.3.4", "1.2.3.4"},
      {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
      {"2001:DB8::A", "2001:db8::a"},
      {"10.0.0.1", "10.0.0.1"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.given);
    const TimedNetAddress given = entry(row.given);
    const auto result = AddrFilter{}.filter({&given, 1}, kNow);
    REQUIRE(result.candidates.size() == 1);
    CHECK(result.candidates.front().ip == row.expected);
    CHECK(bsvpeer::peer::normalise_ip(row.given) == result.candidates.front().ip);
  }
}

TEST_CASE("at most max_entries are considered") {
  std::vector<TimedNetAddress> entries;
  for (std::uint32_t i = 0; i < 1005; ++i) {
    TimedNetAddress timed = entry("1.0.0.1");
    timed.addr = NetAddress::ipv4(10, static_cast<std::uint8_t>(i >> 8),
                                  static_cast<std::uint8_t>(i), 1, 8333, kNodeNetwork);
    entries.push_back(timed);
  }
  const auto result = AddrFilter{}.filter(entries, kNow);
  CHECK(result.candidates.size() == 1000);
  CHECK(result.counts.over_limit == 5);
  CHECK(result.candidates.back().ip == "10.3.231.1");  // entry 999

  AddrFilterOptions options;
  options.max_entries = 3;
  const auto small = AddrFilter{options}.filter(entries, kNow);
  CHECK(small.candidates.size() == 3);
  CHECK(small.counts.over_limit == 1002);
}

TEST_CASE("the options change the service and age rules") {
  const std::vector<TimedNetAddress> entries = {
      entry("1.1.1.1", 8333, 0, kNow - 2 * kDay),
      entry("2.2.2.2", 8333, kNodeNetwork, kNow - 2 * kDay),
      entry("3.3.3.3", 8333, kNodeNetwork, kNow - 10 * kHour),
      entry("4.4.4.4", 8333, kNodeNetwork, 0),  // becomes now - 5 days
  };
  struct Row {
    const char* name;
    std::uint64_t required_services;
    UnixSeconds max_age;
    std::vector<std::string> expected_ips;
  };
  const Row rows[] = {
      {"defaults", kNodeNetwork, 7 * kDay, {"2.2.2.2", "3.3.3.3", "4.4.4.4"}},
      {"local mesh: any services", 0, 7 * kDay, {"1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"}},
      {"one day", kNodeNetwork, kDay, {"3.3.3.3"}},
      {"3 hours drops everything here", kNodeNetwork, 3 * kHour, {}},
      {"two required bits", kNodeNetwork | kNodeBitcoinCash, 7 * kDay, {}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    AddrFilterOptions options;
    options.required_services = row.required_services;
    options.max_age = row.max_age;
    const auto result = AddrFilter{options}.filter(entries, kNow);
    std::vector<std::string> ips;
    for (const auto& candidate : result.candidates)
      ips.push_back(candidate.ip);
    CHECK(ips == row.expected_ips);
  }
}

TEST_CASE("max_age must be positive") {
  AddrFilterOptions options;
  options.max_age = 0;
  CHECK(options.validate().has_value());
  CHECK_THROWS_AS(AddrFilter{options}, std::invalid_argument);
  CHECK_FALSE(AddrFilterOptions{}.validate().has_value());
}

TEST_CASE("an empty addr gives nothing") {
  const auto result = AddrFilter{}.filter({}, kNow);
  CHECK(result.candidates.empty());
  CHECK(result.counts == AddrFilterCounts{});
}

TEST_CASE("only an addr with more than one entry answers getaddr") {
  struct Row {
    std::size_t entries;
    bool answer;
  };
  const Row rows[] = {{0, false}, {1, false}, {2, true}, {1000, true}};
  for (const Row& row : rows) {
    CAPTURE(row.entries);
    CHECK(is_getaddr_answer(row.entries) == row.answer);
  }
}

TEST_CASE("a candidate prints as endpoint, services and time") {
  std::ostringstream out;
  out << AddrCandidate{"2001:db8::1", 8333, 1, 42};
  CHECK(out.str() == "[2001:db8::1]:8333 services=1 time=42");
}
