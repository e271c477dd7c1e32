#include "core_test_support.hpp"

#include <bsvpeer/conn/ping_tracker.hpp>

#include <doctest/doctest.h>

#include <deque>
#include <stdexcept>

using namespace bsvpeer::conn;
using namespace bsvpeer::conn::test;

namespace {

// Returns the queued values in order, then keeps returning the last one.
struct ScriptedNonces {
  std::shared_ptr<std::deque<std::uint64_t>> values;
  std::uint64_t operator()() const {
    const std::uint64_t v = values->front();
    if (values->size() > 1) values->pop_front();
    return v;
  }
};

ScriptedNonces scripted(std::deque<std::uint64_t> values) {
  return ScriptedNonces{std::make_shared<std::deque<std::uint64_t>>(std::move(values))};
}

}  // namespace

TEST_CASE("ping tracker: SV's defaults") {
  const PingSettings settings;
  CHECK(settings.interval == Duration(120s));
  CHECK(settings.timeout == Duration(20min));
  CHECK(settings.max_outstanding >= 1);
}

TEST_CASE("ping tracker: the first ping is due at once, then every interval after a pong") {
  PingTracker pings({}, CountingNonces{});
  CHECK(pings.ping_due(kT0));
  const auto nonce = pings.send_ping(kT0);
  REQUIRE(nonce);
  CHECK(*nonce == 101);
  // While it is outstanding no periodic ping is due, however long we wait.
  CHECK_FALSE(pings.next_ping_at());
  CHECK_FALSE(pings.ping_due(kT0 + 10min));

  CHECK(pings.on_pong(101, kT0 + 250ms).outcome == PongOutcome::matched);
  // The interval counts from the last ping sent, as SV's SendPings does.
  CHECK(pings.next_ping_at() == kT0 + 120s);
  CHECK_FALSE(pings.ping_due(kT0 + 119s));
  CHECK(pings.ping_due(kT0 + 120s));
}

TEST_CASE("ping tracker: RTT and minimum RTT") {
  PingTracker pings({}, CountingNonces{});
  TimePoint t = kT0;
  const Duration rtts[] = {300ms, 100ms, 200ms};
  for (const Duration rtt : rtts) {
    const auto nonce = pings.send_ping(t);
    REQUIRE(nonce);
    const auto result = pings.on_pong(*nonce, t + rtt);
    CHECK(result.outcome == PongOutcome::matched);
    CHECK(result.rtt == rtt);
    CHECK(pings.stats().last_rtt == rtt);
    t += 120s;
  }
  const auto stats = pings.stats();
  CHECK(stats.min_rtt == Duration(100ms));
  CHECK(stats.last_rtt == Duration(200ms));
  CHECK(stats.pings_sent == 3);
  CHECK(stats.pongs_matched == 3);
  CHECK(stats.outstanding == 0);
}

TEST_CASE("ping tracker: a mismatched non-zero pong leaves the ping outstanding") {
  PingTracker pings({}, CountingNonces{});
  const auto nonce = pings.send_ping(kT0);
  REQUIRE(nonce);
  const auto result = pings.on_pong(*nonce + 1000, kT0 + 1s);
  CHECK(result.outcome == PongOutcome::mismatched);
  CHECK_FALSE(result.rtt);
  const auto stats = pings.stats();
  CHECK(stats.outstanding == 1);
  CHECK(stats.pongs_mismatched == 1);
  CHECK(stats.oldest_outstanding_since == kT0);
  CHECK(pings.timeout_at() == kT0 + 20min);
  // The right pong still matches afterwards.
  CHECK(pings.on_pong(*nonce, kT0 + 2s).rtt == Duration(2s));
}

TEST_CASE("ping tracker: pong nonce 0 and a short pong cancel the outstanding ping") {
  PingTracker pings({}, CountingNonces{});
  REQUIRE(pings.send_ping(kT0));
  SUBCASE("nonce 0") {
    CHECK(pings.on_pong(0, kT0 + 1s).outcome == PongOutcome::cancelled);
  }
  SUBCASE("short payload") {
    pings.on_short_pong();
  }
  CHECK(pings.stats().outstanding == 0);
  CHECK(pings.stats().pings_cancelled == 1);
  CHECK_FALSE(pings.timeout_at());
  CHECK_FALSE(pings.stats().last_rtt);
  CHECK(pings.next_ping_at() == kT0 + 120s);
}

TEST_CASE("ping tracker: a pong with nothing outstanding is unsolicited") {
  PingTracker pings({}, CountingNonces{});
  CHECK(pings.on_pong(5, kT0).outcome == PongOutcome::unsolicited);
  CHECK(pings.on_pong(0, kT0).outcome == PongOutcome::unsolicited);
  CHECK(pings.stats().pongs_unsolicited == 2);
}

TEST_CASE("ping tracker: timeout of the oldest outstanding ping") {
  PingSettings settings;
  settings.timeout = 5min;
  PingTracker pings(settings, CountingNonces{});
  REQUIRE(pings.send_ping(kT0));
  CHECK(pings.timeout_at() == kT0 + 5min);
  CHECK_FALSE(pings.timed_out(kT0 + 5min - 1ms));
  CHECK(pings.timed_out(kT0 + 5min));
}

TEST_CASE("ping tracker: outstanding pings are bounded; a later pong clears older ones") {
  PingSettings settings;
  settings.max_outstanding = 3;
  PingTracker pings(settings, CountingNonces{});
  CHECK(pings.send_ping(kT0) == 101u);
  CHECK(pings.send_ping(kT0 + 1s) == 102u);
  CHECK(pings.send_ping(kT0 + 2s) == 103u);
  CHECK_FALSE(pings.send_ping(kT0 + 3s));
  CHECK(pings.stats().outstanding == 3);
  CHECK(pings.timeout_at() == kT0 + 20min);  // the oldest sets the timeout

  // The peer answered 102 but not 101: 101 was dropped and must not time the peer out.
  CHECK(pings.on_pong(102, kT0 + 4s).rtt == Duration(3s));
  const auto stats = pings.stats();
  CHECK(stats.outstanding == 1);
  CHECK(stats.pings_cancelled == 1);
  CHECK(pings.timeout_at() == kT0 + 2s + 20min);
}

TEST_CASE("ping tracker: nonces are never 0 and never one already in flight") {
  PingTracker pings({}, scripted({0, 7, 0, 7, 7, 9}));
  CHECK(pings.send_ping(kT0) == 7u);
  CHECK(pings.send_ping(kT0) == 9u);
}

TEST_CASE("ping tracker: a broken nonce source fails loudly instead of spinning") {
  PingTracker pings({}, scripted({0}));
  CHECK_THROWS_AS(pings.send_ping(kT0), std::runtime_error);
}

TEST_CASE("ping tracker: pings without nonce to BIP31 peers only move the schedule") {
  PingTracker pings({}, CountingNonces{});
  pings.send_legacy_ping(kT0);
  CHECK(pings.stats().outstanding == 0);
  CHECK(pings.stats().pings_sent == 1);
  CHECK_FALSE(pings.timeout_at());
  CHECK(pings.next_ping_at() == kT0 + 120s);
}

TEST_CASE("ping tracker: invalid construction") {
  CHECK_THROWS_AS(PingTracker({}, NonceSource{}), std::invalid_argument);
  PingSettings settings;
  settings.max_outstanding = 0;
  CHECK_THROWS_AS(PingTracker(settings, CountingNonces{}), std::invalid_argument);
}
