#include <bsvpeer/conn/connection_policy.hpp>

#include <doctest/doctest.h>

#include <functional>

using namespace bsvpeer::conn;
using namespace std::chrono_literals;

TEST_CASE("connection policy: defaults are SV Node's") {
  const ConnectionPolicy p;
  CHECK(p.handshake_timeout == Duration(60s));
  CHECK(p.ping_interval == Duration(120s));
  CHECK(p.ping_timeout == Duration(20min));
  CHECK(p.inactivity_timeout == Duration(20min));
  CHECK(p.legacy_receive_timeout == Duration(90min));
  CHECK(p.min_protocol_version == 31800);
  CHECK(p.banned_user_agents == std::vector<std::string>{"abc", "cash", "bch"});
  CHECK(p.allowed_user_agents.empty());
  CHECK(p.required_services == 0);
  CHECK(p.ban_threshold == 100);
  CHECK(p.ban_duration == Duration(24h));
  CHECK(p.invalid_checksum_burst.max_failures == 100);
  CHECK(p.invalid_checksum_burst.max_gap == Duration(500ms));
  CHECK_FALSE(p.rate_limit);
  CHECK(p.send_protoconf);
  CHECK(p.our_protoconf.number_of_fields == 2);
  CHECK(p.our_protoconf.max_recv_payload_length == 2'097'152);
  CHECK(p.our_protoconf.stream_policies == "Default");
  CHECK(p.answer_getheaders);
  CHECK_FALSE(p.reject_after_handshake);
  CHECK_FALSE(policy_error(p));
}

TEST_CASE("connection policy: unusable settings are named") {
  struct Row {
    const char* name;
    std::function<void(ConnectionPolicy&)> edit;
  };
  const Row rows[] = {
      {"zero handshake timeout", [](ConnectionPolicy& p) { p.handshake_timeout = 0s; }},
      {"zero ping interval", [](ConnectionPolicy& p) { p.ping_interval = 0s; }},
      {"negative ping timeout", [](ConnectionPolicy& p) { p.ping_timeout = -1s; }},
      {"zero inactivity timeout", [](ConnectionPolicy& p) { p.inactivity_timeout = 0s; }},
      {"zero legacy receive timeout", [](ConnectionPolicy& p) { p.legacy_receive_timeout = 0s; }},
      {"no outstanding pings", [](ConnectionPolicy& p) { p.max_outstanding_pings = 0; }},
      {"negative minimum version", [](ConnectionPolicy& p) { p.min_protocol_version = -1; }},
      {"empty ban pattern", [](ConnectionPolicy& p) { p.banned_user_agents.push_back(""); }},
      {"empty allow pattern", [](ConnectionPolicy& p) { p.allowed_user_agents = {""}; }},
      {"zero ban threshold", [](ConnectionPolicy& p) { p.ban_threshold = 0; }},
      {"negative ban duration", [](ConnectionPolicy& p) { p.ban_duration = -1s; }},
      {"negative checksum gap",
       [](ConnectionPolicy& p) { p.invalid_checksum_burst.max_gap = -1ms; }},
      {"negative checksum points",
       [](ConnectionPolicy& p) { p.invalid_checksum_burst.points = -1; }},
      {"zero rate",
       [](ConnectionPolicy& p) {
         p.rate_limit = RateLimit{0.0, 10.0, 1};
       }},
      {"burst below one",
       [](ConnectionPolicy& p) {
         p.rate_limit = RateLimit{10.0, 0.5, 1};
       }},
      {"negative rate points",
       [](ConnectionPolicy& p) {
         p.rate_limit = RateLimit{10.0, 10.0, -1};
       }},
      {"protoconf without fields",
       [](ConnectionPolicy& p) { p.our_protoconf.number_of_fields = 0; }},
      {"protoconf below 1 MiB",
       [](ConnectionPolicy& p) { p.our_protoconf.max_recv_payload_length = 1'048'575; }},
      {"protoconf above 1 GB",
       [](ConnectionPolicy& p) { p.our_protoconf.max_recv_payload_length = 1'000'000'001; }},
      {"protoconf policies over 650 bytes",
       [](ConnectionPolicy& p) { p.our_protoconf.stream_policies = std::string(651, 'x'); }},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    ConnectionPolicy p;
    row.edit(p);
    const auto error = policy_error(p);
    CHECK(error.has_value());
    if (error) CHECK_FALSE(error->empty());
  }
}

TEST_CASE("connection policy: an invalid protoconf is fine when none is sent") {
  ConnectionPolicy p;
  p.send_protoconf = false;
  p.our_protoconf.number_of_fields = 0;
  CHECK_FALSE(policy_error(p));
}

TEST_CASE("connection policy: edge values that are valid") {
  ConnectionPolicy p;
  p.our_protoconf.max_recv_payload_length = 1'048'576;
  p.rate_limit = RateLimit{0.1, 1.0, 0};
  p.ban_duration = 0s;
  p.banned_user_agents.clear();
  CHECK_FALSE(policy_error(p));
}
