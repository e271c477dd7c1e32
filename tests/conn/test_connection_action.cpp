#include "core_test_support.hpp"

#include <bsvpeer/conn/connection_action.hpp>

#include <doctest/doctest.h>

#include <sstream>

using namespace bsvpeer::conn;
using namespace bsvpeer::conn::test;

TEST_CASE("actions: every kind prints on one readable line") {
  wire::Reject reject;
  reject.message = "version";
  reject.code = 0x11;
  reject.reason = "Version must be 31800 or greater";
  wire::Inv inv;
  inv.items.resize(3);
  struct Row {
    Action action;
    std::string text;
  };
  const Row rows[] = {
      {SendMessage{wire::Ping{42}, true}, "send! ping nonce=42"},
      {SendMessage{wire::Ping{}, true}, "send! ping (no nonce)"},
      {SendMessage{wire::Headers{}, false}, "send headers headers=0"},
      {SendMessage{reject, true},
       "send! reject version code=0x11 \"Version must be 31800 or greater\""},
      {SendMessage{wire::Protoconf{}, true},
       "send! protoconf fields=2 max_recv=2097152 policies=\"Default\""},
      {Disconnect{DisconnectReason::ping_timeout, "no pong"}, "disconnect ping_timeout (no pong)"},
      {Ban{DisconnectReason::wrong_magic, "btc magic", std::chrono::hours(24)},
       "ban wrong_magic for 86400s (btc magic)"},
      {HandshakeCompleted{sv_version()},
       "handshake completed with version v70016 services=0x21 nonce=" + std::to_string(kPeerNonce) +
           " ua=\"/Bitcoin SV:1.2.2/\" height=900000"},
      {Deliver{inv}, "deliver inv items=3"},
      {Deliver{wire::UnknownMessage{"alert", wire::Bytes(5)}}, "deliver alert (unknown, 5 bytes)"},
      {Misbehaved{20, 21, "oversized addr"}, "misbehaved +20 = 21 (oversized addr)"},
      {Ignored{"pong", "unsolicited"}, "ignored pong (unsolicited)"},
      {Ignored{"", "bad checksum"}, "ignored frame (bad checksum)"},
  };
  for (const auto& row : rows) {
    CHECK(to_string(row.action) == row.text);
    std::ostringstream os;
    os << row.action;
    CHECK(os.str() == row.text);
  }
}

TEST_CASE("actions: a version with an association id says so") {
  auto v = sv_version();
  v.association_id = wire::Bytes(17, 0);
  CHECK(describe(v).find("assoc_id_bytes=17") != std::string::npos);
}

TEST_CASE("actions: equality compares every field") {
  CHECK(Action{SendMessage{wire::Pong{1}, true}} == Action{SendMessage{wire::Pong{1}, true}});
  CHECK_FALSE(Action{SendMessage{wire::Pong{1}, true}} ==
              Action{SendMessage{wire::Pong{1}, false}});
  CHECK_FALSE(Action{Disconnect{DisconnectReason::shutdown, "a"}} ==
              Action{Disconnect{DisconnectReason::shutdown, "b"}});
}
