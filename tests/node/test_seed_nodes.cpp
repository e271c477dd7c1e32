// SeedNodes: each -seednode is dialled once, in order; one-shot waits and their deadlines.
#include <bsvpeer/node/seed_nodes.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer;
using namespace std::chrono_literals;
using node::SeedNodes;
using tcp = boost::asio::ip::tcp;

namespace {

tcp::endpoint ep(const char* ip, std::uint16_t port = 8333) {
  return {boost::asio::ip::make_address(ip), port};
}

const conn::TimePoint kT0 = conn::TimePoint{} + std::chrono::hours(10);

}  // namespace

TEST_CASE("seed nodes: dialled once each, in the order given, duplicates once") {
  SeedNodes s({ep("10.0.0.1"), ep("10.0.0.2"), ep("10.0.0.1")});
  CHECK(s.queued() == 2);
  CHECK(s.next() == ep("10.0.0.1"));
  CHECK(s.next() == ep("10.0.0.2"));
  CHECK_FALSE(s.pending());
  CHECK_FALSE(s.next().has_value());
  CHECK_FALSE(SeedNodes{}.pending());
}

TEST_CASE("seed nodes: a reload queues new seeds only and drops removed ones") {
  SeedNodes s({ep("10.0.0.1"), ep("10.0.0.2"), ep("10.0.0.3")});
  CHECK(s.next() == ep("10.0.0.1"));  // dialled already
  s.reconfigure({ep("10.0.0.1"), ep("10.0.0.3"), ep("10.0.0.4")});
  CHECK(s.next() == ep("10.0.0.3"));
  CHECK(s.next() == ep("10.0.0.4"));
  CHECK_FALSE(s.next().has_value());
  s.reconfigure({ep("10.0.0.1"), ep("10.0.0.4")});  // nothing new
  CHECK_FALSE(s.pending());
}

TEST_CASE("seed nodes: one-shot connections wait for addr until their deadline") {
  SeedNodes s;
  CHECK_FALSE(s.next_deadline().has_value());
  s.dialled(7, kT0 + 60s);
  s.dialled(9, kT0 + 30s);
  CHECK(s.is_one_shot(7));
  CHECK_FALSE(s.is_one_shot(8));
  CHECK(s.next_deadline() == kT0 + 30s);
  CHECK(s.expired(kT0 + 29s).empty());
  CHECK(s.expired(kT0 + 30s) == std::vector<std::uint64_t>{9});
  CHECK(s.expired(kT0 + 60s) == std::vector<std::uint64_t>{7, 9});
  s.ended(9);
  CHECK(s.next_deadline() == kT0 + 60s);
  CHECK(s.waiting() == 1);
  s.ended(7);
  s.ended(7);  // twice is harmless
  CHECK_FALSE(s.next_deadline().has_value());
}
