#include <bsvpeer/conn/backoff.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <stdexcept>

using namespace bsvpeer::conn;
using namespace std::chrono_literals;

namespace {

const TimePoint t0 = TimePoint{} + 1h;

UnitRandom fixed(double unit) {
  return [unit] { return unit; };
}

BackoffConfig no_jitter() {
  BackoffConfig config;
  config.initial_delay = 1s;
  config.multiplier = 2.0;
  config.max_delay = 60s;
  config.jitter = 0.0;
  config.max_retries = 5;
  config.inaccessible_delay = 30min;
  return config;
}

}  // namespace

TEST_CASE("failures are retryable or ban-worthy") {
  for (FailureKind kind : {FailureKind::connection_refused, FailureKind::timeout,
                           FailureKind::connection_reset, FailureKind::network_unreachable,
                           FailureKind::handshake_timeout, FailureKind::peer_closed}) {
    CAPTURE(kind);
    CHECK(is_retryable(kind));
  }
  for (FailureKind kind : {FailureKind::banned_user_agent, FailureKind::wrong_magic,
                           FailureKind::misbehaviour_ban, FailureKind::wrong_network}) {
    CAPTURE(kind);
    CHECK_FALSE(is_retryable(kind));
  }
  CHECK(to_string(FailureKind::handshake_timeout) == "handshake_timeout");
}

TEST_CASE("without jitter the delays are exactly initial x multiplier^retry") {
  Backoff backoff(no_jitter());
  CHECK(backoff.base_delay(0) == 1s);
  CHECK(backoff.base_delay(1) == 2s);
  CHECK(backoff.base_delay(4) == 16s);
  CHECK(backoff.next_delay() == 1s);

  TimePoint now = t0;
  const Duration expected[] = {1s, 2s, 4s, 8s, 16s};
  for (std::uint32_t i = 0; i < 5; ++i) {
    CAPTURE(i);
    CHECK(backoff.retry_count() == i);
    CHECK(backoff.next_delay() == expected[i]);
    auto decision = backoff.record_failure(FailureKind::connection_refused, now);
    CHECK(decision == BackoffDecision{BackoffAction::retry, now + expected[i]});
    CHECK(backoff.retry_count() == i + 1);
    CHECK_FALSE(backoff.eligible(now + expected[i] - 1ns));
    CHECK(backoff.eligible(now + expected[i]));
    now += expected[i];
  }
  CHECK_FALSE(backoff.inaccessible());

  BackoffConfig config = no_jitter();
  config.initial_delay = 500ms;
  config.multiplier = 1.5;
  Backoff slower(config);
  CHECK(slower.base_delay(2) == 1125ms);
}

TEST_CASE("the base delay is capped at max_delay, even for huge retry counts") {
  BackoffConfig config = no_jitter();
  config.multiplier = 10.0;
  config.max_delay = 30s;
  Backoff backoff(config);
  CHECK(backoff.base_delay(1) == 10s);
  CHECK(backoff.base_delay(2) == 30s);
  CHECK(backoff.base_delay(3) == 30s);
  CHECK(backoff.base_delay(100000) == 30s);  // pow overflows to inf: still the cap

  config.multiplier = 1.0;
  CHECK(Backoff(config).base_delay(50) == 1s);
}

TEST_CASE("jitter scales the delay by a factor within [1 - jitter, 1 + jitter]") {
  BackoffConfig config = no_jitter();
  config.jitter = 0.2;
  CHECK(Backoff(config, fixed(0.0)).next_delay() == 800ms);
  CHECK(Backoff(config, fixed(1.0)).next_delay() == 1200ms);
  CHECK(Backoff(config, fixed(0.5)).next_delay() == 1s);
  CHECK(Backoff(config, fixed(0.75)).next_delay() == 1100ms);
  CHECK(Backoff(config, fixed(7.0)).next_delay() == 1200ms);  // out-of-range source: clamped

  // At the cap the spread stays around max_delay rather than piling onto it.
  Backoff capped(config, fixed(1.0));
  for (int i = 0; i < 20; ++i)
    (void)capped.record_failure(FailureKind::timeout, t0);
  CHECK(capped.next_delay() == 72s);

  Backoff random_jitter(config);  // the real random source
  std::set<Duration::rep> seen;
  for (int i = 0; i < 1000; ++i) {
    Duration delay = random_jitter.next_delay();
    CHECK(delay >= 800ms);
    CHECK(delay <= 1200ms);
    seen.insert(delay.count());
  }
  CHECK(seen.size() > 900);  // really random, not a constant
}

TEST_CASE("a retry decision carries the jittered delay") {
  BackoffConfig config = no_jitter();
  config.jitter = 0.5;
  Backoff backoff(config, fixed(0.0));
  CHECK(backoff.record_failure(FailureKind::timeout, t0).eligible_at == t0 + 500ms);
  CHECK(backoff.record_failure(FailureKind::timeout, t0).eligible_at == t0 + 1s);
}

TEST_CASE("after max_retries the peer is given up as Inaccessible until its backoff elapsed") {
  BackoffConfig config = no_jitter();
  config.max_retries = 3;
  Backoff backoff(config);
  TimePoint now = t0;
  for (int i = 0; i < 3; ++i) {
    CHECK(backoff.record_failure(FailureKind::network_unreachable, now).action ==
          BackoffAction::retry);
    now = backoff.eligible_at();
  }
  CHECK_FALSE(backoff.inaccessible());

  auto decision = backoff.record_failure(FailureKind::connection_reset, now);
  CHECK(decision == BackoffDecision{BackoffAction::give_up, now + 30min});
  CHECK(backoff.inaccessible());
  CHECK(backoff.retry_count() == 4);
  CHECK_FALSE(backoff.eligible(now + 30min - 1ns));
  CHECK(backoff.eligible(now + 30min));

  // Tried again after its backoff and failed again: given up again, for another period.
  now += 30min;
  decision = backoff.record_failure(FailureKind::timeout, now);
  CHECK(decision == BackoffDecision{BackoffAction::give_up, now + 30min});
  CHECK(backoff.inaccessible());
}

TEST_CASE("max_retries 0 gives up at the first failure") {
  BackoffConfig config = no_jitter();
  config.max_retries = 0;
  Backoff backoff(config);
  CHECK(backoff.record_failure(FailureKind::timeout, t0).action == BackoffAction::give_up);
  CHECK(backoff.inaccessible());
}

TEST_CASE("a success resets the count and the Inaccessible state") {
  BackoffConfig config = no_jitter();
  config.max_retries = 2;
  Backoff backoff(config);
  (void)backoff.record_failure(FailureKind::timeout, t0);
  (void)backoff.record_failure(FailureKind::timeout, t0);
  CHECK(backoff.retry_count() == 2);
  backoff.record_success();
  CHECK(backoff.retry_count() == 0);
  CHECK(backoff.eligible(t0));
  CHECK(backoff.record_failure(FailureKind::timeout, t0).eligible_at == t0 + 1s);

  (void)backoff.record_failure(FailureKind::timeout, t0);
  CHECK(backoff.record_failure(FailureKind::timeout, t0).action == BackoffAction::give_up);
  CHECK(backoff.inaccessible());
  backoff.record_success();
  CHECK_FALSE(backoff.inaccessible());
  CHECK(backoff.eligible(t0));
  CHECK(backoff.next_delay() == 1s);
}

TEST_CASE("ban-worthy failures never retry, whatever comes after") {
  for (FailureKind kind : {FailureKind::banned_user_agent, FailureKind::wrong_magic,
                           FailureKind::misbehaviour_ban, FailureKind::wrong_network}) {
    CAPTURE(kind);
    Backoff backoff(no_jitter());
    (void)backoff.record_failure(FailureKind::timeout, t0);
    auto decision = backoff.record_failure(kind, t0);
    CHECK(decision == BackoffDecision{BackoffAction::never_retry, TimePoint::max()});
    CHECK(backoff.never_retry());
    CHECK_FALSE(backoff.eligible(t0 + 24h * 365));
    // A later retryable failure does not bring the peer back.
    CHECK(backoff.record_failure(FailureKind::timeout, t0 + 1h).action ==
          BackoffAction::never_retry);
    CHECK_FALSE(backoff.eligible(TimePoint::max() - 1ns));
  }
}

TEST_CASE("invalid configs are reported and refused") {
  struct Row {
    const char* name;
    BackoffConfig config;
  };
  auto with = [](auto change) {
    BackoffConfig config;
    change(config);
    return config;
  };
  const Row rows[] = {
      {"zero initial", with([](BackoffConfig& c) { c.initial_delay = 0s; })},
      {"max below initial", with([](BackoffConfig& c) { c.max_delay = 100ms; })},
      {"shrinking", with([](BackoffConfig& c) { c.multiplier = 0.5; })},
      {"jitter 1", with([](BackoffConfig& c) { c.jitter = 1.0; })},
      {"negative jitter", with([](BackoffConfig& c) { c.jitter = -0.1; })},
      {"negative inaccessible delay", with([](BackoffConfig& c) { c.inaccessible_delay = -1s; })},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    CHECK(row.config.validate().has_value());
    CHECK_THROWS_AS(Backoff(row.config), std::invalid_argument);
  }
  CHECK_FALSE(BackoffConfig{}.validate().has_value());
  CHECK_THROWS_AS(Backoff(BackoffConfig{}, UnitRandom{}), std::invalid_argument);
}
