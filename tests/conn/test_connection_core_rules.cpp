// ConnectionCore: SV's reactions to misbehaviour (bsv-protocol.md 4.2 and 8), one row each.
#include "core_test_support.hpp"

#include <doctest/doctest.h>

using namespace bsvpeer::conn;
using namespace bsvpeer::conn::test;

namespace {

wire::Inv inv_of(std::initializer_list<std::uint32_t> types) {
  wire::Inv inv;
  for (const auto type : types)
    inv.items.push_back(wire::InvItem{type, wire::Hash256{}});
  return inv;
}

wire::UnknownMessage unknown(std::string command) {
  return wire::UnknownMessage{std::move(command), wire::Bytes{0x01}};
}

wire::AuthCh authch() {
  wire::AuthCh a;
  a.challenge = wire::Bytes(32, 0x5A);
  return a;
}

wire::Reject some_reject() {
  wire::Reject r;
  r.message = "tx";
  r.code = 0x10;
  r.reason = "bad-txns";
  return r;
}

// Messages SV refuses before the peer's version (everything but version and reject).
std::vector<wire::Message> non_handshake_messages() {
  return {wire::Protoconf{},     wire::Ping{7},    wire::Pong{7},        wire::GetAddr{},
          wire::Addr{},          inv_of({1}),      wire::GetData{},      wire::NotFound{},
          wire::GetHeaders{},    wire::Headers{},  wire::SendHeaders{},  wire::SendCmpct{},
          wire::FeeFilter{1000}, unknown("alert"), unknown("createstrm")};
}

}  // namespace

TEST_CASE("core rules: any message but version/reject before the peer's version: +1, dropped") {
  auto messages = non_handshake_messages();
  messages.push_back(wire::Verack{});
  messages.push_back(authch());
  messages.push_back(unknown("authresp"));
  int expected_score = 0;
  Harness h(Direction::outbound);
  h.start();
  for (auto& m : messages) {
    const std::string command(wire::command_of(m));
    CAPTURE(command);
    auto& out = h.receive(std::move(m));
    ++expected_score;
    CHECK(describe_all(out) == "misbehaved +1 = " + std::to_string(expected_score) +
                                   " (missing-version: " + command + ")");
  }
  CHECK(h.core.handshake_flags() == HandshakeFlags{true, false, false, false});
}

TEST_CASE("core rules: after version, anything but verack/authch/authresp/reject: +1, dropped") {
  Harness h(Direction::inbound);
  h.start();
  h.receive(sv_version());
  int expected_score = 0;
  // Includes ping (not answered), getheaders (not answered) and protoconf (not recorded).
  for (auto& m : non_handshake_messages()) {
    const std::string command(wire::command_of(m));
    CAPTURE(command);
    auto& out = h.receive(std::move(m));
    ++expected_score;
    CHECK(describe_all(out) == "misbehaved +1 = " + std::to_string(expected_score) +
                                   " (missing-verack: " + command + ")");
  }
  CHECK_FALSE(h.core.peer_protoconf());
  // The admitted ones pass without score.
  CHECK(delivered_commands(h.receive(authch())) == "authch");
  CHECK(delivered_commands(h.receive(unknown("authresp"))) == "authresp");
  CHECK(delivered_commands(h.receive(some_reject())) == "reject");
  CHECK(h.core.misbehavior_score() == expected_score);
}

TEST_CASE("core rules: a second version is rejected 0x12 and scores +1") {
  Harness h(Direction::outbound);
  h.start();
  h.receive(sv_version());
  const std::string expected =
      "send! reject version code=0x12 \"Duplicate version message\"; misbehaved +1 = 1 "
      "(duplicate version)";
  SUBCASE("before the verack") {
    CHECK(describe_all(h.receive(sv_version())) == expected);
  }
  SUBCASE("after the handshake") {
    h.receive(wire::Verack{});
    CHECK(describe_all(h.receive(sv_version(70015))) == expected);
    CHECK(h.core.peer_version()->version == 70016);  // the first one stands
  }
  SUBCASE("an unparsable second version counts as a duplicate too") {
    CHECK(describe_all(h.decode_error("version", wire::Error::bad_association_id)) == expected);
    CHECK(h.core.state() == ConnectionState::awaiting_handshake);
  }
}

TEST_CASE("core rules: an unparsable first version: reject 0x60 and disconnect") {
  Harness h(Direction::inbound);
  h.start();
  auto& out = h.decode_error("version", wire::Error::bad_association_id);
  CHECK(describe_all(out) ==
        "send! reject version code=0x60 \"bad association id\"; disconnect bad_version_message "
        "(unparsable version: bad association id)");
  CHECK(h.core.state() == ConnectionState::closed);
}

TEST_CASE("core rules: decode errors after the handshake") {
  struct Row {
    const char* command;
    wire::Error error;
    std::string expected;
  };
  const std::string parse_reject = " code=0x1 \"error parsing message\"";
  const Row rows[] = {
      {"addr", wire::Error::count_too_large,
       "misbehaved +20 = 20 (addr with more than 1000 entries)"},
      {"headers", wire::Error::count_too_large,
       "misbehaved +20 = 20 (headers with more than 2000 entries)"},
      {"inv", wire::Error::truncated, "send! reject inv" + parse_reject},
      {"addr", wire::Error::truncated, "send! reject addr" + parse_reject},
      {"getdata", wire::Error::non_canonical_compact_size, "send! reject getdata" + parse_reject},
      {"getheaders", wire::Error::trailing_data, "send! reject getheaders" + parse_reject},
      {"sendcmpct", wire::Error::truncated, "send! reject sendcmpct" + parse_reject},
      {"getheaders", wire::Error::size_too_large,
       "send! reject getheaders" + parse_reject +
           "; misbehaved +1 = 1 (getheaders: CompactSize above MAX_SIZE)"},
      {"inv", wire::Error::size_too_large,
       "send! reject inv" + parse_reject + "; misbehaved +1 = 1 (inv: CompactSize above MAX_SIZE)"},
      {"protoconf", wire::Error::invalid_value,
       "disconnect protocol_violation (invalid protoconf: field value out of range)"},
      {"protoconf", wire::Error::truncated,
       "disconnect protocol_violation (invalid protoconf: end of data)"},
      {"reject", wire::Error::string_too_long,
       "ignored reject (malformed reject: string or byte field too long)"},
      {"pong", wire::Error::truncated,
       "ignored pong (short pong payload: outstanding ping cancelled)"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.command);
    CAPTURE(wire::make_error_code(row.error).message());
    Harness h(Direction::outbound);
    h.complete_handshake();
    CHECK(describe_all(h.decode_error(row.command, row.error)) == row.expected);
  }
}

TEST_CASE("core rules: a short pong cancels the outstanding ping") {
  Harness h(Direction::outbound);
  h.complete_handshake();
  REQUIRE(h.core.ping_stats().outstanding == 1);
  h.decode_error("pong", wire::Error::truncated);
  CHECK(h.core.ping_stats().outstanding == 0);
  CHECK(h.core.ping_stats().pings_cancelled == 1);
}

TEST_CASE("core rules: decode errors before the handshake meet the gates first") {
  Harness h(Direction::outbound);
  h.start();
  CHECK(describe_all(h.decode_error("ping", wire::Error::truncated)) ==
        "misbehaved +1 = 1 (missing-version: ping)");
  h.receive(sv_version());
  CHECK(describe_all(h.decode_error("protoconf", wire::Error::invalid_value)) ==
        "misbehaved +1 = 2 (missing-verack: protoconf)");
  CHECK(h.core.state() == ConnectionState::awaiting_handshake);
}

TEST_CASE("core rules: protoconf at most once, and only valid ones") {
  Harness h(Direction::outbound);
  h.complete_handshake();
  SUBCASE("twice: disconnect, no ban") {
    CHECK(delivered_commands(h.receive(wire::Protoconf{})) == "protoconf");
    CHECK(describe_all(h.receive(wire::Protoconf{})) ==
          "disconnect protocol_violation (second protoconf)");
  }
  SUBCASE("max below 1 MiB: disconnect") {
    wire::Protoconf small;
    small.max_recv_payload_length = 1'048'575;
    CHECK(actions_of<Disconnect>(h.receive(small)).at(0).reason ==
          DisconnectReason::protocol_violation);
    CHECK(h.core.peer_max_recv_payload() == 1'048'576);
  }
  SUBCASE("zero fields: disconnect") {
    wire::Protoconf empty;
    empty.number_of_fields = 0;
    CHECK(actions_of<Disconnect>(h.receive(empty)).size() == 1);
  }
  CHECK(h.core.misbehavior_score() == 0);
}

TEST_CASE("core rules: inv items other than tx (1) and block (2) disconnect") {
  struct Row {
    std::initializer_list<std::uint32_t> types;
    bool disconnect;
  };
  const Row rows[] = {{{1}, false},      {{2}, false},        {{1, 2, 1}, false}, {{}, false},
                      {{0}, true},       {{3}, true},         {{4}, true},        {{5}, true},
                      {{1, 2, 3}, true}, {{0x40000001}, true}};
  for (const auto& row : rows) {
    CAPTURE(describe(inv_of(row.types)));
    Harness h(Direction::outbound);
    h.complete_handshake();
    auto& out = h.receive(inv_of(row.types));
    CHECK(actions_of<Disconnect>(out).size() == (row.disconnect ? 1u : 0u));
    CHECK(actions_of<Deliver>(out).size() == (row.disconnect ? 0u : 1u));
    CHECK(actions_of<Ban>(out).empty());
  }
  // getdata may ask for the other types (filtered block, compact block, dataref tx): no
  // disconnect; the dataref item is answered with notfound (test_connection_core_requests).
  Harness h(Direction::outbound);
  h.complete_handshake();
  wire::GetData getdata;
  getdata.items = {{3, {}}, {4, {}}, {5, {}}};
  CHECK(sent_commands(h.receive(getdata)) == "notfound");
  CHECK(h.core.state() == ConnectionState::established);
}

TEST_CASE("core rules: sendheaders twice: +1 for the second") {
  Harness h(Direction::outbound);
  h.complete_handshake();
  CHECK_FALSE(h.core.peer_prefers_headers());
  CHECK(delivered_commands(h.receive(wire::SendHeaders{})) == "sendheaders");
  CHECK(h.core.peer_prefers_headers());
  CHECK(describe_all(h.receive(wire::SendHeaders{})) ==
        "misbehaved +1 = 1 (duplicate sendheaders)");
}

TEST_CASE("core rules: getheaders is answered with an empty headers message") {
  wire::GetHeaders request;
  request.version = 70016;
  request.locator = {wire::Hash256{}};
  SUBCASE("by default") {
    Harness h(Direction::outbound);
    h.complete_handshake();
    auto& out = h.receive(request);
    CHECK(describe_all(out) == "send headers headers=0");
  }
  SUBCASE("or delivered to the user when the policy says so") {
    ConnectionPolicy policy;
    policy.answer_getheaders = false;
    Harness h(Direction::outbound, policy);
    h.complete_handshake();
    CHECK(describe_all(h.receive(request)) == "deliver getheaders");
  }
}

TEST_CASE("core rules: messages delivered without any reaction or score") {
  wire::Addr addr;
  addr.entries.push_back(
      wire::TimedNetAddress{1700000000, wire::NetAddress::ipv4(1, 2, 3, 4, 8333)});
  std::vector<wire::Message> messages = {authch(),
                                         wire::SendCmpct{false, 1},
                                         wire::FeeFilter{250},
                                         unknown("alert"),
                                         unknown("dsdetected"),
                                         wire::GetAddr{},
                                         addr,
                                         some_reject(),
                                         wire::Headers{},
                                         wire::NotFound{},
                                         inv_of({1, 2})};
  Harness h(Direction::outbound);
  h.complete_handshake();
  for (auto& m : messages) {
    const std::string command(wire::command_of(m));
    CAPTURE(command);
    const wire::Message copy = m;
    auto& out = h.receive(std::move(m));
    REQUIRE(out.size() == 1);
    CHECK(std::get<Deliver>(out[0]).message == copy);
  }
  CHECK(h.core.misbehavior_score() == 0);
  CHECK(h.core.state() == ConnectionState::established);
}

TEST_CASE("core rules: fatal frames ban at once") {
  struct Row {
    wire::Error error;
    DisconnectReason reason;
  };
  const Row rows[] = {{wire::Error::wrong_magic, DisconnectReason::wrong_magic},
                      {wire::Error::payload_too_large, DisconnectReason::oversize_message},
                      {wire::Error::extmsg_not_allowed, DisconnectReason::extmsg_not_allowed}};
  // Subcases hold the loops (doctest 2.4.9 cannot generate subcases inside a loop).
  SUBCASE("before the handshake") {
    for (const auto& row : rows) {
      CAPTURE(wire::make_error_code(row.error).message());
      Harness h(Direction::outbound);
      h.start();
      auto& out = h.frame_fatal(row.error);
      REQUIRE(out.size() == 1);
      CHECK(std::get<Ban>(out[0]).reason == row.reason);
      CHECK(std::get<Ban>(out[0]).ban_duration == Duration(24h));
      CHECK(h.core.state() == ConnectionState::closed);
    }
  }
  SUBCASE("after it, with a configured ban time, also when reported as a decode error") {
    for (const auto& row : rows) {
      CAPTURE(wire::make_error_code(row.error).message());
      ConnectionPolicy policy;
      policy.ban_duration = 2h;
      Harness h(Direction::outbound, policy);
      h.complete_handshake();
      auto& out = h.decode_error("inv", row.error);
      REQUIRE(out.size() == 1);
      CHECK(std::get<Ban>(out[0]) == Ban{row.reason, std::get<Ban>(out[0]).detail, 2h});
    }
  }
  SUBCASE("reported as a dropped frame") {
    Harness h(Direction::outbound);
    h.start();
    CHECK(actions_of<Ban>(h.frame_dropped(wire::Error::wrong_magic)).at(0).reason ==
          DisconnectReason::wrong_magic);
  }
}

TEST_CASE("core rules: bad checksums are dropped; a burst of more than 100 scores +1") {
  Harness h(Direction::outbound);
  h.complete_handshake();
  for (int i = 1; i <= 100; ++i) {
    CAPTURE(i);
    h.now += 100ms;
    CHECK(describe_all(h.frame_dropped(wire::Error::bad_checksum)) ==
          "ignored frame (bad checksum: frame dropped)");
  }
  h.now += 100ms;
  CHECK(describe_all(h.frame_dropped(wire::Error::bad_checksum)) ==
        "ignored frame (bad checksum: frame dropped); misbehaved +1 = 1 (invalid checksum burst)");
  CHECK(h.core.invalid_checksums() == 101);
  SUBCASE("slow failures never score") {
    for (int i = 0; i < 300; ++i) {
      h.now += 600ms;
      h.frame_dropped(wire::Error::bad_checksum);
    }
    CHECK(h.core.misbehavior_score() == 1);
  }
}

TEST_CASE("core rules: a bad command field is dropped silently") {
  Harness h(Direction::outbound);
  h.start();
  CHECK(describe_all(h.frame_dropped(wire::Error::bad_command)) ==
        "ignored frame (bad command field: frame dropped)");
  CHECK(h.core.misbehavior_score() == 0);
  CHECK(h.core.state() == ConnectionState::awaiting_handshake);
}

TEST_CASE("core rules: reaching the ban threshold bans for misbehaviour") {
  SUBCASE("100 messages before the version") {
    Harness h(Direction::inbound);
    h.start();
    for (int i = 1; i < 100; ++i)
      h.receive(wire::GetAddr{});
    CHECK(h.core.misbehavior_score() == 99);
    CHECK(h.core.state() == ConnectionState::awaiting_handshake);
    auto& out = h.receive(wire::GetAddr{});
    CHECK(describe_all(out) ==
          "misbehaved +1 = 100 (missing-version: getaddr); ban misbehavior_ban for 86400s (ban "
          "score 100 reached 100, last: missing-version: getaddr)");
    CHECK(h.core.state() == ConnectionState::closed);
    CHECK(h.core.close_reason() == DisconnectReason::misbehavior_ban);
    CHECK(h.receive(wire::GetAddr{}).empty());
    CHECK(h.core.misbehavior_score() == 100);
  }
  SUBCASE("five oversized addr messages") {
    Harness h(Direction::outbound);
    h.complete_handshake();
    for (int i = 0; i < 4; ++i)
      h.decode_error("addr", wire::Error::count_too_large);
    auto& out = h.decode_error("addr", wire::Error::count_too_large);
    CHECK(actions_of<Ban>(out).at(0).reason == DisconnectReason::misbehavior_ban);
  }
  SUBCASE("a configured threshold") {
    ConnectionPolicy policy;
    policy.ban_threshold = 2;
    Harness h(Direction::outbound, policy);
    h.complete_handshake();
    h.receive(wire::SendHeaders{});
    h.receive(wire::SendHeaders{});
    CHECK(h.core.state() == ConnectionState::established);
    CHECK(actions_of<Ban>(h.receive(wire::SendHeaders{})).size() == 1);
  }
}

TEST_CASE("core rules: the inbound rate limit scores and drops excess messages") {
  SUBCASE("off by default") {
    Harness h(Direction::outbound);
    h.complete_handshake();
    for (int i = 0; i < 5000; ++i)
      h.receive(wire::GetAddr{});
    CHECK(h.core.misbehavior_score() == 0);
  }
  SUBCASE("configured: burst 5 at 1/s, +1 per excess message") {
    ConnectionPolicy policy;
    policy.rate_limit = RateLimit{1.0, 5.0, 1};
    Harness h(Direction::outbound, policy);
    h.complete_handshake();  // version and verack took 2 tokens
    CHECK(delivered_commands(h.receive(wire::GetAddr{})) == "getaddr");
    CHECK(delivered_commands(h.receive(wire::GetAddr{})) == "getaddr");
    CHECK(delivered_commands(h.receive(wire::GetAddr{})) == "getaddr");
    CHECK(describe_all(h.receive(wire::GetAddr{})) ==
          "misbehaved +1 = 1 (message rate above limit)");
    CHECK(describe_all(h.decode_error("inv", wire::Error::truncated)) ==
          "misbehaved +1 = 2 (message rate above limit)");
    h.now += 1s;
    CHECK(delivered_commands(h.receive(wire::GetAddr{})) == "getaddr");
  }
  SUBCASE("configured without points: excess is dropped and reported") {
    ConnectionPolicy policy;
    policy.rate_limit = RateLimit{1.0, 2.0, 0};
    Harness h(Direction::outbound, policy);
    h.complete_handshake();
    CHECK(describe_all(h.receive(wire::GetAddr{})) ==
          "ignored frame (message rate above limit: dropped)");
    CHECK(h.core.misbehavior_score() == 0);
  }
}
