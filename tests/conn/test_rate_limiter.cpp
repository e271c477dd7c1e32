#include <bsvpeer/conn/rate_limiter.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer::conn;
using namespace std::chrono_literals;

namespace {
const TimePoint kT0 = TimePoint{} + std::chrono::hours(1);
}

TEST_CASE("rate limiter: the bucket starts full and empties after `burst` messages") {
  RateLimiter limiter(10.0, 5.0);
  for (int i = 0; i < 5; ++i) {
    CAPTURE(i);
    CHECK(limiter.try_acquire(kT0));
  }
  CHECK_FALSE(limiter.try_acquire(kT0));
  CHECK(limiter.rejected() == 1);
}

TEST_CASE("rate limiter: tokens refill at the configured rate") {
  RateLimiter limiter(10.0, 5.0);
  for (int i = 0; i < 5; ++i)
    limiter.try_acquire(kT0);
  CHECK_FALSE(limiter.try_acquire(kT0 + 50ms));  // half a token
  CHECK(limiter.try_acquire(kT0 + 100ms));       // one token after 100 ms at 10/s
  CHECK_FALSE(limiter.try_acquire(kT0 + 150ms));
  CHECK(limiter.available(kT0 + 350ms) == doctest::Approx(2.5));  // 0.5 left at 150 ms + 2
}

TEST_CASE("rate limiter: refill is capped at the burst size") {
  RateLimiter limiter(10.0, 5.0);
  limiter.try_acquire(kT0);
  CHECK(limiter.available(kT0 + 1h) == doctest::Approx(5.0));
  for (int i = 0; i < 5; ++i)
    CHECK(limiter.try_acquire(kT0 + 1h));
  CHECK_FALSE(limiter.try_acquire(kT0 + 1h));
}

TEST_CASE("rate limiter: a steady rate at the limit is accepted indefinitely") {
  RateLimiter limiter(100.0, 1.0);
  TimePoint t = kT0;
  for (int i = 0; i < 1000; ++i) {
    CHECK(limiter.try_acquire(t));
    t += 10ms;
  }
  CHECK(limiter.rejected() == 0);
}

TEST_CASE("rate limiter: time going backwards refills nothing") {
  RateLimiter limiter(1.0, 1.0);
  CHECK(limiter.try_acquire(kT0 + 10s));
  CHECK_FALSE(limiter.try_acquire(kT0));
  CHECK_FALSE(limiter.try_acquire(kT0 + 10s));
  CHECK(limiter.try_acquire(kT0 + 11s));
}

TEST_CASE("rate limiter: constructed from RateLimit settings") {
  const RateLimit settings{2.0, 3.0, 1};
  RateLimiter limiter(settings);
  CHECK(limiter.available(kT0) == doctest::Approx(3.0));
}
