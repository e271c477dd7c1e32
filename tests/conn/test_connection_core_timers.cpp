// ConnectionCore: ping schedule, pongs, ping/inactivity timeouts, next_deadline, answering
// pings, and what the owner may send.
#include "core_test_support.hpp"

#include <doctest/doctest.h>

using namespace bsvpeer::conn;
using namespace bsvpeer::conn::test;

namespace {

// Keeps both directions of traffic alive at `h.now`, as a busy connection would.
void traffic(Harness& h) {
  h.core.on_bytes_received(h.now);
  h.core.on_bytes_sent(h.now);
}

}  // namespace

TEST_CASE("core timers: ping every 2 minutes, first one at handshake completion") {
  Harness h(Direction::outbound);
  h.complete_handshake();
  CHECK(sent_of<wire::Ping>(h.out) == std::vector<wire::Ping>{wire::Ping{101}});
  CHECK(h.core.ping_stats().outstanding == 1);

  h.now += 150ms;
  CHECK(h.receive(wire::Pong{101}).empty());  // a matching pong is consumed, not delivered
  auto stats = h.core.ping_stats();
  CHECK(stats.last_rtt == Duration(150ms));
  CHECK(stats.min_rtt == Duration(150ms));
  CHECK(stats.outstanding == 0);
  CHECK(h.core.next_deadline() == kT0 + 120s);

  h.now = kT0 + 119s;
  CHECK(h.timer().empty());  // early wake-up: nothing due yet
  h.now = kT0 + 120s;
  CHECK(describe_all(h.timer()) == "send! ping nonce=102");
  CHECK(h.core.ping_stats().oldest_outstanding_since == kT0 + 120s);

  h.now += 50ms;
  h.receive(wire::Pong{102});
  stats = h.core.ping_stats();
  CHECK(stats.last_rtt == Duration(50ms));
  CHECK(stats.min_rtt == Duration(50ms));
  CHECK(stats.pings_sent == 2);
  CHECK(h.core.next_deadline() == kT0 + 240s);

  SUBCASE("a late timer sends one ping, not a backlog") {
    h.now = kT0 + 600s;
    CHECK(sent_commands(h.timer()) == "ping");
    CHECK(h.timer().empty());
    CHECK(h.core.ping_stats().outstanding == 1);
  }
}

TEST_CASE("core timers: no periodic ping while one is outstanding") {
  ConnectionPolicy policy;
  policy.ping_timeout = 1h;
  policy.inactivity_timeout = 2h;
  Harness h(Direction::outbound, policy);
  h.complete_handshake();
  for (int minute = 1; minute <= 30; ++minute) {
    h.now += 1min;
    traffic(h);
    CHECK(h.timer().empty());
  }
  CHECK(h.core.ping_stats().pings_sent == 1);
}

TEST_CASE("core timers: a mismatched pong is reported and the ping stays outstanding") {
  Harness h(Direction::outbound);
  h.complete_handshake();
  h.now += 1s;
  CHECK(describe_all(h.receive(wire::Pong{999})) ==
        "ignored pong (nonce mismatch (999): ping stays outstanding)");
  const auto stats = h.core.ping_stats();
  CHECK(stats.outstanding == 1);
  CHECK(stats.pongs_mismatched == 1);
  CHECK_FALSE(stats.last_rtt);
}

TEST_CASE("core timers: pong nonce 0 cancels the outstanding ping; the schedule goes on") {
  Harness h(Direction::outbound);
  h.complete_handshake();
  h.now += 1s;
  CHECK(describe_all(h.receive(wire::Pong{0})) ==
        "ignored pong (nonce zero: outstanding ping cancelled)");
  CHECK(h.core.ping_stats().outstanding == 0);
  CHECK(h.core.next_deadline() == kT0 + 120s);
  CHECK(sent_commands(h.advance(119s)) == "ping");
}

TEST_CASE("core timers: an unsolicited pong is ignored") {
  Harness h(Direction::outbound);
  h.complete_handshake();
  h.receive(wire::Pong{101});
  CHECK(describe_all(h.receive(wire::Pong{101})) == "ignored pong (unsolicited pong)");
}

TEST_CASE("core timers: no pong within the ping timeout disconnects") {
  SUBCASE("default 20 minutes, while other traffic flows") {
    Harness h(Direction::outbound);
    h.complete_handshake();
    CHECK(h.core.next_deadline() == kT0 + 20min);
    for (int minute = 1; minute < 20; ++minute) {
      h.now = kT0 + std::chrono::minutes(minute);
      traffic(h);
      h.receive(wire::Pong{12345});  // mismatched pongs do not help
      CHECK(actions_of<Disconnect>(h.timer()).empty());
      CHECK(h.core.next_deadline() == kT0 + 20min);
    }
    h.now = kT0 + 20min;
    traffic(h);
    CHECK(describe_all(h.timer()) == "disconnect ping_timeout (no pong within 1200s)");
    CHECK(h.core.close_reason() == DisconnectReason::ping_timeout);
  }
  SUBCASE("configured") {
    ConnectionPolicy policy;
    policy.ping_timeout = 30s;
    Harness h(Direction::outbound, policy);
    h.complete_handshake();
    CHECK(h.core.next_deadline() == kT0 + 30s);
    CHECK(actions_of<Disconnect>(h.advance(30s)).at(0).reason == DisconnectReason::ping_timeout);
  }
}

TEST_CASE("core timers: inactivity after the handshake (SV -p2ptimeout)") {
  ConnectionPolicy policy;
  policy.ping_timeout = 1h;  // keep the ping timeout out of the way
  Harness h(Direction::outbound, policy);
  h.complete_handshake();
  SUBCASE("nothing received for 20 minutes") {
    for (int minute = 1; minute <= 19; ++minute) {
      h.now = kT0 + std::chrono::minutes(minute);
      h.core.on_bytes_sent(h.now);
      CHECK(h.timer().empty());
    }
    CHECK(h.core.next_deadline() == kT0 + 20min);
    h.now = kT0 + 20min;
    CHECK(describe_all(h.timer()) == "disconnect inactivity_timeout (nothing received for 1200s)");
  }
  SUBCASE("nothing sent for 20 minutes") {
    for (int minute = 1; minute <= 19; ++minute) {
      h.now = kT0 + std::chrono::minutes(minute);
      h.core.on_bytes_received(h.now);
      CHECK(h.timer().empty());
    }
    h.now = kT0 + 20min;
    CHECK(describe_all(h.timer()) == "disconnect inactivity_timeout (nothing sent for 1200s)");
  }
  SUBCASE("received messages count as activity") {
    h.now = kT0 + 10min;
    h.core.on_bytes_sent(h.now);
    h.receive(wire::GetAddr{});
    CHECK(h.core.next_deadline() == kT0 + 30min);
  }
  SUBCASE("activity timestamps never move backwards") {
    h.now = kT0 + 10min;
    traffic(h);
    h.core.on_bytes_received(kT0 + 1min);
    h.core.on_bytes_sent(kT0 + 1min);
    CHECK(h.core.next_deadline() == kT0 + 30min);
  }
}

TEST_CASE("core timers: a BIP31 peer (<= 60000) gets pings without nonce and no pongs") {
  ConnectionPolicy policy;
  policy.inactivity_timeout = 20min;
  Harness h(Direction::outbound, policy);
  h.complete_handshake(sv_version(60000));
  CHECK(describe_all({h.out.back()}) == "send! ping (no nonce)");
  CHECK(h.core.ping_stats().outstanding == 0);
  CHECK(h.receive(wire::Ping{}).empty());
  CHECK(h.receive(wire::Ping{77}).empty());
  CHECK_FALSE(h.core.request_ping(h.now, h.out));
  // SV allows such peers 90 minutes without receiving; we keep sending pings meanwhile.
  for (int i = 1; i < 45; ++i) {
    h.now = kT0 + std::chrono::minutes(2 * i);
    auto& out = h.timer();
    CHECK(sent_commands(out) == "ping");
    h.core.on_bytes_sent(h.now);
  }
  h.now = kT0 + 90min;
  CHECK(actions_of<Disconnect>(h.timer()).at(0).reason == DisconnectReason::inactivity_timeout);
}

TEST_CASE("core timers: every ping is answered at once with the same nonce") {
  Harness h(Direction::inbound);
  h.complete_handshake();
  auto& out = h.receive(wire::Ping{0x0102030405060708ull});
  REQUIRE(out.size() == 1);
  CHECK(std::get<SendMessage>(out[0]) == SendMessage{wire::Pong{0x0102030405060708ull}, true});
  CHECK(sent_of<wire::Pong>(h.receive(wire::Ping{0})).at(0).nonce == 0);
  // A modern peer's ping must carry a nonce: SV fails to parse an empty one.
  CHECK(describe_all(h.receive(wire::Ping{})) ==
        "send! reject ping code=0x1 \"error parsing message\"");
}

TEST_CASE("core timers: next_deadline through the life of a connection") {
  Harness h(Direction::outbound);
  CHECK(h.core.next_deadline() == TimePoint::max());
  h.start();
  CHECK(h.core.next_deadline() == kT0 + 60s);
  h.now += 2s;
  h.receive(sv_version());
  CHECK(h.core.next_deadline() == kT0 + 60s);
  h.now += 1s;
  h.receive(wire::Verack{});  // ping 101 goes out at kT0 + 3s
  h.core.on_bytes_sent(h.now);
  // The outstanding ping and inactivity both expire 20 min from now.
  CHECK(h.core.next_deadline() == kT0 + 3s + 20min);
  h.now += 1s;
  h.receive(wire::Pong{101});
  CHECK(h.core.next_deadline() == kT0 + 3s + 120s);  // the next ping
  h.core.disconnect(DisconnectReason::shutdown, "stopping", h.out);
  CHECK(h.core.next_deadline() == TimePoint::max());
}

TEST_CASE("core timers: requested pings (RPC ping)") {
  ConnectionPolicy policy;
  policy.max_outstanding_pings = 3;
  Harness h(Direction::outbound, policy);
  CHECK_FALSE(h.core.request_ping(h.now, h.out));  // not started
  h.complete_handshake();
  h.out.clear();
  h.now += 1s;
  CHECK(h.core.request_ping(h.now, h.out));
  h.now += 1s;
  CHECK(h.core.request_ping(h.now, h.out));
  CHECK_FALSE(h.core.request_ping(h.now, h.out));  // bound reached
  CHECK(sent_commands(h.out) == "ping ping");
  CHECK(h.core.ping_stats().outstanding == 3);
  // The newest answered: the older ones were dropped by the peer.
  h.now += 1s;
  h.receive(wire::Pong{103});
  CHECK(h.core.ping_stats().outstanding == 0);
  CHECK(h.core.ping_stats().last_rtt == Duration(1s));
}

TEST_CASE("core timers: what the owner may send") {
  Harness h(Direction::outbound);
  h.start();
  CHECK(h.core.send_user_message(wire::GetAddr{}, h.out) ==
        std::optional<std::string>("handshake not complete (SV scores early messages +1)"));
  h.receive(sv_version());
  h.receive(wire::Verack{});
  h.out.clear();

  wire::Addr big_addr;
  big_addr.entries.resize(1001);
  wire::Headers big_headers;
  big_headers.headers.resize(2001);
  wire::Inv bad_inv;
  bad_inv.items = {{1, {}}, {4, {}}};
  const std::vector<wire::Message> refused = {our_version(), wire::Verack{}, wire::Protoconf{},
                                              wire::Ping{5}, wire::Pong{5},  big_addr,
                                              big_headers,   bad_inv};
  for (const auto& m : refused) {
    CAPTURE(describe(m));
    CHECK(h.core.send_user_message(m, h.out).has_value());
  }
  CHECK(h.out.empty());

  wire::Addr addr;
  addr.entries.resize(1000);
  const std::vector<wire::Message> allowed = {wire::GetAddr{}, addr, wire::Inv{},
                                              wire::SendHeaders{}, wire::FeeFilter{1000}};
  for (const auto& m : allowed) {
    CAPTURE(describe(m));
    CHECK_FALSE(h.core.send_user_message(m, h.out).has_value());
  }
  CHECK(sent_commands(h.out) == "getaddr addr inv sendheaders feefilter");
  for (const auto& a : h.out)
    CHECK_FALSE(std::get<SendMessage>(a).priority);
  // SV scores a second sendheaders +1.
  CHECK(h.core.send_user_message(wire::SendHeaders{}, h.out).has_value());

  h.core.disconnect(DisconnectReason::local_request, "user", h.out);
  CHECK(h.core.send_user_message(wire::GetAddr{}, h.out) ==
        std::optional<std::string>("connection closed"));
}

TEST_CASE("core timers: a local disconnect is emitted once; the first reason wins") {
  Harness h(Direction::outbound);
  h.complete_handshake();
  h.out.clear();
  h.core.disconnect(DisconnectReason::peer_closed, "eof", h.out);
  h.core.disconnect(DisconnectReason::shutdown, "stopping", h.out);
  CHECK(describe_all(h.out) == "disconnect peer_closed (eof)");
  CHECK(h.core.close_reason() == DisconnectReason::peer_closed);
  CHECK(h.core.state() == ConnectionState::closed);
  CHECK(h.receive(wire::Ping{1}).empty());
  CHECK(h.decode_error("inv", wire::Error::truncated).empty());
  CHECK(h.frame_dropped(wire::Error::bad_checksum).empty());
  CHECK(h.frame_fatal(wire::Error::wrong_magic).empty());
  CHECK(h.advance(1h).empty());
}

TEST_CASE("core timers: a live config change moves the ping schedule and timeouts at once") {
  Harness h(Direction::outbound);
  h.complete_handshake();
  h.now += 10ms;
  h.receive(wire::Pong{101});
  CHECK(h.core.next_deadline() == kT0 + 120s);

  ConnectionPolicy faster;
  faster.ping_interval = 5s;
  faster.ping_timeout = 2s;
  faster.reject_after_handshake = true;  // decided at the handshake: must not change now
  h.core.update_timers(faster);
  CHECK(h.core.next_deadline() == kT0 + 5s);
  CHECK_FALSE(h.core.policy().reject_after_handshake);
  h.now = kT0 + 5s;
  CHECK(describe_all(h.timer()) == "send! ping nonce=102");

  // The ping in flight now times out after the new 2 s, not the old 20 minutes.
  h.now = kT0 + 7s;
  traffic(h);
  CHECK(describe_all(h.timer()).find("ping_timeout") != std::string::npos);
}
