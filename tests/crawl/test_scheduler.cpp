// The crawl frontier: once per round, concurrency bound, global rate limit, resume order.
#include "scheduler.hpp"

#include <doctest/doctest.h>

using namespace bsvpeer::crawl;
using namespace std::chrono_literals;

namespace {
PeerEndpoint ep(int i) {
  return PeerEndpoint{"127.0.0." + std::to_string(i), 8333};
}
const TimePoint t0{};
}  // namespace

TEST_CASE("scheduler: each node once per round, in the order learnt") {
  Scheduler s({.concurrency = 10, .rate_per_s = 1000, .burst = 100}, t0);
  CHECK(s.add(ep(1)));
  CHECK(s.add(ep(2)));
  CHECK_FALSE(s.add(ep(1)));  // known: not queued twice
  CHECK(s.next(t0) == ep(1));
  CHECK(s.next(t0) == ep(2));
  CHECK_FALSE(s.next(t0));
  CHECK_FALSE(s.round_complete());
  s.finished(ep(1));
  CHECK_FALSE(s.add(ep(1)));  // visited this round: not again
  s.finished(ep(2));
  CHECK(s.round_complete());
  CHECK(s.visited() == 2);
  s.new_round();
  CHECK(s.visited() == 0);
  CHECK(s.queued() == 2);
  CHECK(s.next(t0) == ep(1));
}

TEST_CASE("scheduler: never more than `concurrency` in flight") {
  Scheduler s({.concurrency = 3, .rate_per_s = 1e6, .burst = 1e6}, t0);
  for (int i = 1; i <= 10; ++i)
    s.add(ep(i));
  int started = 0;
  while (s.next(t0))
    ++started;
  CHECK(started == 3);
  CHECK(s.in_flight() == 3);
  CHECK_FALSE(s.wake_at(t0));  // concurrency, not the rate, blocks
  s.finished(ep(2));
  CHECK(s.next(t0) == ep(4));
  CHECK_FALSE(s.next(t0));
}

TEST_CASE("scheduler: the global rate limit spaces new connections") {
  Scheduler s({.concurrency = 100, .rate_per_s = 10, .burst = 2}, t0);
  for (int i = 1; i <= 10; ++i)
    s.add(ep(i));
  CHECK(s.next(t0));
  CHECK(s.next(t0));
  CHECK_FALSE(s.next(t0));  // burst used up
  auto wake = s.wake_at(t0);
  REQUIRE(wake);
  CHECK(*wake > t0 + 99ms);
  CHECK(*wake <= t0 + 101ms);
  CHECK_FALSE(s.next(t0 + 50ms));
  CHECK(s.next(t0 + 100ms));
  CHECK_FALSE(s.next(t0 + 100ms));
  // A long pause refills only up to the burst.
  CHECK(s.next(t0 + 10s));
  CHECK(s.next(t0 + 10s));
  CHECK_FALSE(s.next(t0 + 10s));
}

TEST_CASE("scheduler: an abandoned visit goes back to the front, resumed nodes stay visited") {
  Scheduler s({.concurrency = 1, .rate_per_s = 1000, .burst = 1000}, t0);
  s.add_visited(ep(9));
  s.add(ep(1));
  s.add(ep(2));
  CHECK(s.known() == 3);
  CHECK(s.visited() == 1);
  CHECK(s.next(t0) == ep(1));
  s.abandoned(ep(1));
  CHECK(s.in_flight() == 0);
  CHECK(s.next(t0) == ep(1));
  s.finished(ep(1));
  CHECK(s.next(t0) == ep(2));
  s.finished(ep(2));
  CHECK(s.round_complete());
  s.finished(ep(2));  // a second report changes nothing
  CHECK(s.visited() == 3);
}

TEST_CASE("scheduler: bad settings are refused") {
  CHECK_THROWS(Scheduler({.concurrency = 0, .rate_per_s = 1, .burst = 1}, t0));
  CHECK_THROWS(Scheduler({.concurrency = 1, .rate_per_s = 0, .burst = 1}, t0));
}
