#include <bsvpeer/conn/checksum_burst.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer::conn;
using namespace std::chrono_literals;

namespace {
const TimePoint kT0 = TimePoint{} + std::chrono::hours(1);
}

TEST_CASE("checksum burst: defaults are SV's -invalidcsfreq 100 and -invalidcsinterval 500 ms") {
  const ChecksumBurstRule rule;
  CHECK(rule.max_failures == 100);
  CHECK(rule.max_gap == Duration(500ms));
  CHECK(rule.points == 1);
}

TEST_CASE("checksum burst: more than 100 failures under 500 ms apart are penalised") {
  ChecksumBurstDetector detector;
  TimePoint t = kT0;
  for (int i = 1; i <= 100; ++i) {
    CAPTURE(i);
    CHECK_FALSE(detector.on_failure(t));
    t += 499ms;
  }
  CHECK(detector.burst_length() == 100);
  CHECK(detector.on_failure(t));  // the 101st
  CHECK(detector.total_failures() == 101);

  SUBCASE("the burst then starts over: another 101 fast failures for the next penalty") {
    for (int i = 1; i <= 100; ++i) {
      t += 10ms;
      CHECK_FALSE(detector.on_failure(t));
    }
    t += 10ms;
    CHECK(detector.on_failure(t));
  }
}

TEST_CASE("checksum burst: a gap of 500 ms or more starts a new burst") {
  ChecksumBurstDetector detector;
  TimePoint t = kT0;
  for (int i = 0; i < 100; ++i) {
    CHECK_FALSE(detector.on_failure(t));
    t += 100ms;
  }
  t += 500ms;  // 600 ms after the previous failure
  CHECK_FALSE(detector.on_failure(t));
  CHECK(detector.burst_length() == 1);
  CHECK(detector.total_failures() == 101);
}

TEST_CASE("checksum burst: slow failures are never penalised") {
  ChecksumBurstDetector detector;
  TimePoint t = kT0;
  for (int i = 0; i < 1000; ++i) {
    CHECK_FALSE(detector.on_failure(t));
    t += 500ms;
  }
  CHECK(detector.burst_length() == 1);
}

TEST_CASE("checksum burst: a configured rule applies") {
  ChecksumBurstDetector detector(ChecksumBurstRule{3, 1s, 5});
  CHECK_FALSE(detector.on_failure(kT0));
  CHECK_FALSE(detector.on_failure(kT0 + 900ms));
  CHECK_FALSE(detector.on_failure(kT0 + 1800ms));
  CHECK(detector.on_failure(kT0 + 2700ms));
  CHECK(detector.rule().points == 5);
}
