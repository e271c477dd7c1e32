#include <bsvpeer/conn/traffic_counter.hpp>

#include <doctest/doctest.h>

#include <string>

using bsvpeer::conn::MessageStats;
using bsvpeer::conn::TrafficCounter;

TEST_CASE("traffic counter: counts messages and bytes per command and direction") {
  TrafficCounter c;
  c.add_sent("ping", 32);
  c.add_sent("ping", 32);
  c.add_received("pong", 32);
  c.add_received("ping", 8);
  const auto s = c.stats();
  CHECK(s.sent.at("ping").messages == 2);
  CHECK(s.sent.at("ping").bytes == 64);
  CHECK(s.received.at("pong").messages == 1);
  CHECK(s.received.at("ping").bytes == 8);
  CHECK(s.sent.count("pong") == 0);
  CHECK(s.sent.size() == 1);
  CHECK(s.received.size() == 2);
}

TEST_CASE("traffic counter: twelve-character commands keep their whole name") {
  TrafficCounter c;
  c.add_received("sendheaders", 24);
  c.add_received("abcdefghijkl", 30);
  const auto s = c.stats();
  CHECK(s.received.at("sendheaders").bytes == 24);
  CHECK(s.received.at("abcdefghijkl").bytes == 30);
}

TEST_CASE("traffic counter: the same bound as MessageStats, per direction") {
  TrafficCounter c;
  for (std::size_t i = 0; i < MessageStats::kMaxCommands + 10; ++i)
    c.add_received("c" + std::to_string(i), 1);
  c.add_sent("c70", 3);  // the other direction still has room
  c.add_received("a-much-longer-command", 2);
  auto s = c.stats();
  CHECK(s.received.size() == MessageStats::kMaxCommands + 1);
  CHECK(s.received.at("*other*").messages == 11);
  CHECK(s.sent.at("c70").bytes == 3);
  c.add_received("c0", 5);  // a command already counted keeps its entry
  s = c.stats();
  CHECK(s.received.at("c0").bytes == 6);
}

TEST_CASE("traffic counter: stats() matches MessageStats fed the same traffic") {
  TrafficCounter c;
  MessageStats m;
  const char* commands[] = {"version", "verack", "protoconf", "ping", "pong", "addr", "inv"};
  for (int round = 0; round < 3; ++round) {
    for (const char* cmd : commands) {
      c.add_sent(cmd, 24 + round);
      m.add_sent(cmd, 24 + round);
      if (round != 1) {
        c.add_received(cmd, 30);
        m.add_received(cmd, 30);
      }
    }
  }
  const auto s = c.stats();
  CHECK(s.sent.size() == m.sent.size());
  CHECK(s.received.size() == m.received.size());
  for (const auto& [cmd, t] : m.sent) {
    CHECK(s.sent.at(cmd).messages == t.messages);
    CHECK(s.sent.at(cmd).bytes == t.bytes);
  }
  for (const auto& [cmd, t] : m.received) {
    CHECK(s.received.at(cmd).messages == t.messages);
    CHECK(s.received.at(cmd).bytes == t.bytes);
  }
}
