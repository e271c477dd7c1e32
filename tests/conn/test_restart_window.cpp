#include <bsvpeer/conn/restart_window.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>

using namespace bsvpeer::conn;
using namespace std::chrono_literals;

namespace {

const TimePoint t0 = TimePoint{} + 1h;

RestartWindowConfig three_per_ten_minutes() {
  RestartWindowConfig config;
  config.max_restarts = 3;
  config.window = 10min;
  return config;
}

}  // namespace

TEST_CASE("an outbound connection restarts at most max_restarts times within the window") {
  RestartWindow window(Direction::outbound, three_per_ten_minutes());
  CHECK(window.try_restart(FailureKind::connection_reset, t0) == RestartVerdict::restart);
  CHECK(window.try_restart(FailureKind::peer_closed, t0 + 1s) == RestartVerdict::restart);
  CHECK(window.try_restart(FailureKind::timeout, t0 + 2s) == RestartVerdict::restart);
  CHECK(window.restarts_in_window(t0 + 2s) == 3);
  CHECK(window.try_restart(FailureKind::timeout, t0 + 3s) == RestartVerdict::window_full);
  CHECK(window.try_restart(FailureKind::timeout, t0 + 10min - 1ns) == RestartVerdict::window_full);
  CHECK(window.total_restarts() == 3);
}

TEST_CASE("the window slides: each restart stops counting exactly one window after it") {
  RestartWindow window(Direction::outbound, three_per_ten_minutes());
  REQUIRE(window.try_restart(FailureKind::timeout, t0) == RestartVerdict::restart);
  REQUIRE(window.try_restart(FailureKind::timeout, t0 + 4min) == RestartVerdict::restart);
  REQUIRE(window.try_restart(FailureKind::timeout, t0 + 8min) == RestartVerdict::restart);

  CHECK(window.restarts_in_window(t0 + 10min - 1ns) == 3);
  CHECK(window.restarts_in_window(t0 + 10min) == 2);
  // The first restart expired: one slot, not three (a fixed window would reset all).
  CHECK(window.try_restart(FailureKind::timeout, t0 + 10min) == RestartVerdict::restart);
  CHECK(window.try_restart(FailureKind::timeout, t0 + 11min) == RestartVerdict::window_full);
  CHECK(window.try_restart(FailureKind::timeout, t0 + 14min) == RestartVerdict::restart);
  CHECK(window.total_restarts() == 5);
}

TEST_CASE("after a quiet full window the count is back to zero") {
  RestartWindow window(Direction::outbound, three_per_ten_minutes());
  for (int i = 0; i < 3; ++i) {
    REQUIRE(window.try_restart(FailureKind::timeout, t0 + i * 1s) == RestartVerdict::restart);
  }
  REQUIRE(window.try_restart(FailureKind::timeout, t0 + 5min) == RestartVerdict::window_full);
  const TimePoint later = t0 + 2s + 10min;
  CHECK(window.restarts_in_window(later) == 0);
  for (int i = 0; i < 3; ++i) {
    CHECK(window.try_restart(FailureKind::timeout, later + i * 1s) == RestartVerdict::restart);
  }
  CHECK(window.try_restart(FailureKind::timeout, later + 3s) == RestartVerdict::window_full);
}

TEST_CASE("a refused restart does not use up the window") {
  RestartWindowConfig config = three_per_ten_minutes();
  config.max_restarts = 1;
  RestartWindow window(Direction::outbound, config);
  REQUIRE(window.try_restart(FailureKind::timeout, t0) == RestartVerdict::restart);
  for (int i = 1; i < 100; ++i) {
    REQUIRE(window.try_restart(FailureKind::timeout, t0 + i * 1s) == RestartVerdict::window_full);
  }
  CHECK(window.try_restart(FailureKind::timeout, t0 + 10min) == RestartVerdict::restart);
}

TEST_CASE("inbound connections never restart") {
  RestartWindow window(Direction::inbound, three_per_ten_minutes());
  CHECK(window.direction() == Direction::inbound);
  for (FailureKind kind : {FailureKind::connection_reset, FailureKind::peer_closed,
                           FailureKind::timeout, FailureKind::wrong_magic}) {
    CAPTURE(kind);
    CHECK(window.try_restart(kind, t0) == RestartVerdict::inbound_never_restarts);
  }
  CHECK(window.restarts_in_window(t0) == 0);
  CHECK(window.total_restarts() == 0);
}

TEST_CASE("ban-worthy failures end the connection for good and are not counted") {
  RestartWindow window(Direction::outbound, three_per_ten_minutes());
  for (FailureKind kind : {FailureKind::banned_user_agent, FailureKind::wrong_magic,
                           FailureKind::misbehaviour_ban, FailureKind::wrong_network}) {
    CAPTURE(kind);
    CHECK(window.try_restart(kind, t0) == RestartVerdict::not_a_network_failure);
  }
  CHECK(window.restarts_in_window(t0) == 0);
  CHECK(window.try_restart(FailureKind::network_unreachable, t0) == RestartVerdict::restart);
}

TEST_CASE("max_restarts 0 disables restarts; a zero window is refused") {
  RestartWindowConfig none = three_per_ten_minutes();
  none.max_restarts = 0;
  RestartWindow window(Direction::outbound, none);
  CHECK(window.try_restart(FailureKind::timeout, t0) == RestartVerdict::window_full);

  RestartWindowConfig zero_window = three_per_ten_minutes();
  zero_window.window = 0s;
  CHECK(zero_window.validate().has_value());
  CHECK_THROWS_AS(RestartWindow(Direction::outbound, zero_window), std::invalid_argument);
  CHECK_FALSE(RestartWindowConfig{}.validate().has_value());
  CHECK(to_string(RestartVerdict::window_full) == "window_full");
}
