#include <bsvpeer/conn/misbehavior.hpp>

#include <doctest/doctest.h>

#include <limits>

using namespace bsvpeer::conn;

TEST_CASE("misbehavior: points follow SV's table (bsv-protocol.md section 8)") {
  CHECK(misbehavior_points::kMissingVersion == 1);
  CHECK(misbehavior_points::kMissingVerack == 1);
  CHECK(misbehavior_points::kDuplicateVersion == 1);
  CHECK(misbehavior_points::kDuplicateSendHeaders == 1);
  CHECK(misbehavior_points::kOversizedAddr == 20);
  CHECK(misbehavior_points::kOversizedHeaders == 20);
  CHECK(misbehavior_points::kCompactSizeTooLarge == 1);
  CHECK(misbehavior_points::kInvalidChecksumBurst == 1);
  CHECK(kDefaultBanThreshold == 100);
}

TEST_CASE("misbehavior: add reports the crossing of the threshold exactly once") {
  MisbehaviorScore score;  // threshold 100
  CHECK(score.threshold() == 100);
  CHECK_FALSE(score.add(20, "oversized addr"));
  CHECK(score.score() == 20);
  for (int i = 0; i < 79; ++i)
    CHECK_FALSE(score.add(1, "missing-verack"));
  CHECK(score.score() == 99);
  CHECK_FALSE(score.threshold_reached());
  CHECK(score.add(1, "duplicate version"));
  CHECK(score.score() == 100);
  CHECK(score.threshold_reached());
  CHECK(score.last_reason() == "duplicate version");
  // Already past: further points are counted but never report a second crossing.
  CHECK_FALSE(score.add(20, "oversized headers"));
  CHECK(score.score() == 120);
}

TEST_CASE("misbehavior: a single large addition crosses a configured threshold") {
  MisbehaviorScore score(10);
  CHECK(score.add(25, "big"));
  CHECK(score.score() == 25);
}

TEST_CASE("misbehavior: non-positive points change nothing") {
  MisbehaviorScore score(5);
  CHECK_FALSE(score.add(0, "zero"));
  CHECK_FALSE(score.add(-3, "negative"));
  CHECK(score.score() == 0);
  CHECK(score.last_reason().empty());
}

TEST_CASE("misbehavior: the score saturates instead of overflowing") {
  MisbehaviorScore score(100);
  CHECK(score.add(std::numeric_limits<int>::max(), "huge"));
  CHECK_FALSE(score.add(std::numeric_limits<int>::max(), "huge again"));
  CHECK(score.score() == std::numeric_limits<int>::max());
}
