#include <bsvpeer/conn/message_stats.hpp>

#include <doctest/doctest.h>

using bsvpeer::conn::MessageStats;

TEST_CASE("message stats: counts messages and bytes per command and direction") {
  MessageStats s;
  s.add_sent("ping", 32);
  s.add_sent("ping", 32);
  s.add_received("pong", 32);
  CHECK(s.sent.at("ping").messages == 2);
  CHECK(s.sent.at("ping").bytes == 64);
  CHECK(s.received.at("pong").messages == 1);
  CHECK(s.received.count("ping") == 0);
}

TEST_CASE("message stats: commands beyond the bound are counted as *other*") {
  MessageStats s;
  for (std::size_t i = 0; i < MessageStats::kMaxCommands + 10; ++i)
    s.add_received("c" + std::to_string(i), 1);
  CHECK(s.received.size() == MessageStats::kMaxCommands + 1);
  CHECK(s.received.at("*other*").messages == 10);
  // A command already known keeps its own entry.
  s.add_received("c0", 5);
  CHECK(s.received.at("c0").bytes == 6);
}

TEST_CASE("message stats: merge adds per command") {
  MessageStats a, b;
  a.add_sent("inv", 10);
  b.add_sent("inv", 5);
  b.add_received("addr", 7);
  a.merge(b);
  CHECK(a.sent.at("inv").messages == 2);
  CHECK(a.sent.at("inv").bytes == 15);
  CHECK(a.received.at("addr").bytes == 7);
}
