// Seeder-style reliability and the addr answer rule.
#include "addr_collector.hpp"
#include "reliability.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace bsvpeer::crawl;
namespace wire = bsvpeer::wire;

TEST_CASE("reliability: rounds, uptime, last success") {
  Reliability r;
  CHECK(r.uptime() == 0);
  r.record(true, 1000);
  CHECK(r.rounds_seen == 1);
  CHECK(r.rounds_answered == 1);
  CHECK(r.last_success == 1000);
  CHECK(r.windows[0].rate() == doctest::Approx(1.0));
  r.record(false, 1000 + 3600);
  CHECK(r.rounds_seen == 2);
  CHECK(r.uptime() == doctest::Approx(0.5));
  CHECK(r.last_success == 1000);
  CHECK(r.last_attempt == 4600);
  // The 2 h window forgets faster than the month: after a failure an hour later its rate is
  // lower than the month's.
  CHECK(r.windows[0].rate() < r.windows[4].rate());
  CHECK(r.windows[0].rate() > 0);
}

TEST_CASE("reliability: decaying rate is the seeder's formula") {
  DecayingRate d;
  d.update(true, 1e12, 7200);  // first evidence counts whole
  CHECK(d.weight == doctest::Approx(1.0));
  CHECK(d.reliability == doctest::Approx(1.0));
  d.update(false, 7200, 7200);  // one window later: old evidence weighs e^-1
  const double f = std::exp(-1.0);
  CHECK(d.reliability == doctest::Approx(f));
  CHECK(d.weight == doctest::Approx(f + (1 - f)));
  CHECK(d.count == doctest::Approx(f + 1));
}

namespace {
wire::TimedNetAddress entry(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                            std::uint16_t port) {
  return wire::TimedNetAddress{1700000000, wire::NetAddress::ipv4(a, b, c, d, port, 1)};
}
}  // namespace

TEST_CASE("addr rule: a lone self-announcement is not the answer") {
  AddrCollector c({.max_addresses = 1000, .allow_local = true});
  CHECK_FALSE(c.on_addr(wire::Addr{{entry(127, 0, 0, 5, 8333)}}));
  CHECK_FALSE(c.answered());
  CHECK(c.addresses().size() == 1);
  CHECK(c.on_addr(wire::Addr{
      {entry(127, 0, 0, 6, 8333), entry(127, 0, 0, 5, 8333), entry(127, 0, 0, 7, 8333)}}));
  CHECK(c.answered());
  CHECK(c.messages() == 2);
  CHECK(c.entries_seen() == 4);
  REQUIRE(c.addresses().size() == 3);  // the duplicate counted once
  CHECK(bsvpeer::peer::to_string(c.addresses()[1]) == "127.0.0.6:8333");
}

TEST_CASE("addr rule: cap, port 0 and non-public addresses") {
  AddrCollector capped({.max_addresses = 2, .allow_local = true});
  capped.on_addr(
      wire::Addr{{entry(127, 0, 0, 1, 1), entry(127, 0, 0, 2, 1), entry(127, 0, 0, 3, 1)}});
  CHECK(capped.addresses().size() == 2);
  AddrCollector pub;
  CHECK(pub.on_addr(wire::Addr{{entry(10, 1, 1, 1, 8333), entry(8, 8, 8, 8, 8333),
                                entry(192, 168, 1, 1, 8333), entry(1, 2, 3, 4, 0)}}));
  REQUIRE(pub.addresses().size() == 1);
  CHECK(pub.addresses()[0].ip == "8.8.8.8");
  auto ip = [](const char* text) { return *wire::NetAddress::parse_ip(text); };
  CHECK(is_public_address(ip("1.1.1.1")));
  CHECK(is_public_address(ip("2a01:4f8::1")));
  for (const char* p :
       {"127.0.0.1", "10.0.0.1", "172.16.5.5", "192.168.0.1", "169.254.1.1", "100.64.0.1",
        "0.0.0.0", "224.0.0.1", "::1", "::", "fe80::1", "fd00::1", "ff02::1", "2001:db8::1"}) {
    CAPTURE(p);
    CHECK_FALSE(is_public_address(ip(p)));
  }
}
