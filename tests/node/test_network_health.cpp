#include <bsvpeer/node/network_health.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <vector>

using namespace bsvpeer::node;
using bsvpeer::conn::Duration;
using bsvpeer::conn::TimePoint;
using namespace std::chrono_literals;

namespace {

const TimePoint t0 = TimePoint{} + 1h;

NetworkHealthConfig config_of(std::size_t min_peers, Duration grace) {
  NetworkHealthConfig config;
  config.min_connected_peers = min_peers;
  config.grace = grace;
  return config;
}

struct Step {
  Duration at;  // since t0
  std::size_t peers;
  std::optional<NetworkHealthEvent> expected;
};

}  // namespace

TEST_CASE("transitions follow the peer count, once per change of state") {
  struct Row {
    const char* name;
    NetworkHealthConfig config;
    std::vector<Step> steps;
  };
  const std::optional<NetworkHealthEvent> none;
  const auto isolated = NetworkHealthEvent::isolated;
  const auto recovered = NetworkHealthEvent::recovered;
  const Row rows[] = {
      {"healthy from the start: nothing",
       config_of(1, 30s),
       {{0s, 3, none}, {10s, 1, none}, {100s, 2, none}}},
      {"no peers at start: isolated once the grace has passed",
       config_of(1, 30s),
       {{0s, 0, none}, {29s, 0, none}, {30s, 0, isolated}, {31s, 0, none}, {600s, 0, none}}},
      {"a dip shorter than the grace raises nothing",
       config_of(1, 30s),
       {{0s, 2, none}, {5s, 0, none}, {34s, 0, none}, {35s, 1, none}, {100s, 1, none}}},
      {"the grace restarts after a recovery within it",
       config_of(1, 30s),
       {{0s, 0, none}, {20s, 1, none}, {40s, 0, none}, {69s, 0, none}, {70s, 0, isolated}}},
      {"recovered once, then isolated again after a new grace",
       config_of(1, 30s),
       {{0s, 0, none},
        {30s, 0, isolated},
        {45s, 1, recovered},
        {46s, 3, none},
        {50s, 0, none},
        {79s, 0, none},
        {80s, 0, isolated},
        {81s, 0, none},
        {90s, 5, recovered}}},
      {"grace 0: isolated at the first update below",
       config_of(1, 0s),
       {{0s, 1, none}, {1s, 0, isolated}, {2s, 0, none}, {3s, 1, recovered}, {3s, 0, isolated}}},
      {"a higher minimum: below is below, at it is fine",
       config_of(3, 10s),
       {{0s, 3, none}, {1s, 2, none}, {11s, 2, isolated}, {12s, 1, none}, {13s, 3, recovered}}},
      {"minimum 0 disables the tracker", config_of(0, 0s), {{0s, 0, none}, {1000s, 0, none}}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    NetworkHealth health(row.config);
    for (const Step& step : row.steps) {
      CAPTURE(step.at.count());
      CAPTURE(step.peers);
      CHECK(health.update(step.peers, t0 + step.at) == step.expected);
    }
  }
}

TEST_CASE("isolated(), below_since() and next_deadline() describe the state") {
  NetworkHealth health(config_of(1, 30s));
  CHECK_FALSE(health.isolated());
  CHECK_FALSE(health.below_since().has_value());
  CHECK_FALSE(health.next_deadline().has_value());

  health.update(0, t0 + 5s);
  CHECK_FALSE(health.isolated());
  CHECK(health.below_since() == t0 + 5s);
  CHECK(health.next_deadline() == t0 + 35s);
  health.update(0, t0 + 20s);  // a later update below does not move the start
  CHECK(health.below_since() == t0 + 5s);
  CHECK(health.next_deadline() == t0 + 35s);

  CHECK(health.update(0, *health.next_deadline()) == NetworkHealthEvent::isolated);
  CHECK(health.isolated());
  CHECK(health.below_since() == t0 + 5s);
  CHECK_FALSE(health.next_deadline().has_value());  // nothing more to report until recovery

  CHECK(health.update(1, t0 + 60s) == NetworkHealthEvent::recovered);
  CHECK_FALSE(health.isolated());
  CHECK_FALSE(health.below_since().has_value());
  CHECK_FALSE(health.next_deadline().has_value());
}

TEST_CASE("an update stamped before the grace began counts as no time passed") {
  NetworkHealth health(config_of(1, 30s));
  CHECK_FALSE(health.update(0, t0 + 100s).has_value());
  CHECK_FALSE(health.update(0, t0).has_value());
  CHECK(health.below_since() == t0 + 100s);
  CHECK(health.update(0, t0 + 130s) == NetworkHealthEvent::isolated);
}

TEST_CASE("a negative grace is refused") {
  CHECK(config_of(1, -1s).validate().has_value());
  CHECK_THROWS_AS(NetworkHealth{config_of(1, -1s)}, std::invalid_argument);
  CHECK_FALSE(NetworkHealthConfig{}.validate().has_value());
  CHECK(NetworkHealthConfig{}.min_connected_peers == 1);
  CHECK(NetworkHealthConfig{}.grace == 30s);
}

TEST_CASE("events print their names") {
  std::ostringstream out;
  out << NetworkHealthEvent::isolated << ' ' << NetworkHealthEvent::recovered;
  CHECK(out.str() == "isolated recovered");
}
