// Our node on the inbound side: a scripted FakePeer dials our TestListener and misbehaves on
// purpose; each case checks the reaction SV Node has (bsv-protocol.md §2, §3, §4, §5, §8), as
// the ConnectionCore implements it, and that the actor ends and tears down cleanly.
#include "support/event_log.hpp"
#include "support/fake_peer.hpp"
#include "support/io_runner.hpp"
#include "support/test_listener.hpp"

#include <bsvpeer/conn/peer_connection.hpp>
#include <bsvpeer/net/network.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>

using namespace bsvpeer;
using namespace std::chrono_literals;
using conn::DisconnectReason;
using conn::PeerState;
using test::name;
using test::regtest_magic;

namespace {

constexpr std::uint64_t kNodeId = 1000;  // the listener's first connection

// Timers a case is not about stay long enough never to fire, even under a sanitizer on a
// loaded machine; each case shortens only the timer it tests.
conn::ConnectionConfig fast_config() {
  conn::ConnectionConfig c;
  c.network = net::network_params(net::NetworkId::regtest);
  c.policy.handshake_timeout = 5s;
  c.policy.ping_interval = 150ms;
  c.policy.ping_timeout = 5s;
  c.policy.inactivity_timeout = 10s;
  return c;
}

// Our listener, its IoRunner and a FakePeer that dials it.
class InboundFixture {
 public:
  explicit InboundFixture(conn::ConnectionConfig config = fast_config())
      : listener(std::make_shared<test::TestListener>(io.context(), std::move(config),
                                                      events.handler(), kNodeId)),
        peer(regtest_magic()) {
    listener->start();
  }
  // Also runs when a REQUIRE failed halfway: every actor is asked to end and awaited (bounded)
  // before the io_context stops, so nothing is cut short under the sanitizers.
  ~InboundFixture() {
    peer.close();
    for (const auto& c : listener->connections())
      c->disconnect();
    events.wait_until([&](const auto&) { return all_finished(); }, 10s);
    listener->stop();
    io.stop();
  }
  InboundFixture(const InboundFixture&) = delete;
  InboundFixture& operator=(const InboundFixture&) = delete;

  bool dial() { return peer.connect(listener->endpoint()); }

  // The node's actor for the fake peer's connection (waits for the accept).
  std::shared_ptr<conn::PeerConnection> node() {
    std::shared_ptr<conn::PeerConnection> found;
    events.wait_until(
        [&](const auto&) {
          for (const auto& c : listener->connections()) {
            if (c->id() == kNodeId) found = c;
          }
          return found != nullptr;
        },
        test::kFakePeerWait);
    return found;
  }

  // The actor finished and its final StateChanged has been delivered.
  bool wait_finished() {
    auto n = node();
    if (!n) return false;
    return events.wait_until(
        [&](const auto& ev) { return n->finished() && test::final_state(ev, kNodeId); });
  }

  std::optional<conn::StateChanged> final_state() const {
    return test::final_state(events.snapshot(), kNodeId);
  }
  template <class T>
  std::vector<T> events_of() const {
    return test::events_of<T>(events.snapshot(), kNodeId);
  }
  bool reached(PeerState state) const {
    return test::reached_state(events.snapshot(), kNodeId, state);
  }
  bool wait_for_misbehaviour(std::size_t count) {
    return events.wait_until([&](const auto& ev) {
      return test::events_of<conn::Misbehaviour>(ev, kNodeId).size() >= count;
    });
  }
  // A ping the node must answer: proves the connection is up and processed everything sent
  // before it (one strand, in order).
  bool round_trip(std::uint64_t nonce) {
    if (!peer.send(wire::Ping{nonce})) return false;
    const auto pong = peer.expect<wire::Pong>();
    return pong && pong->nonce == nonce;
  }

  test::IoRunner io{2};
  test::EventLog events;
  std::shared_ptr<test::TestListener> listener;
  test::FakePeer peer;

 private:
  bool all_finished() {
    for (const auto& c : listener->connections()) {
      if (!c->finished()) return false;
    }
    return true;
  }
};

void check_ban(const InboundFixture& f, DisconnectReason reason) {
  const auto bans = f.events_of<conn::BanRequested>();
  REQUIRE(bans.size() == 1);
  CHECK(name(bans[0].reason) == name(reason));
  const auto end = f.final_state();
  REQUIRE(end);
  CHECK(name(end->to) == name(PeerState::rejected));
  CHECK(name(end->reason) == name(reason));
}

void check_ended(const InboundFixture& f, PeerState state, DisconnectReason reason) {
  const auto end = f.final_state();
  REQUIRE(end);
  CHECK(name(end->to) == name(state));
  CHECK(name(end->reason) == name(reason));
}

}  // namespace

// The frames FakePeer builds field by field (the code GCC 12 -O3 misreports, see build_frame)
// are the codec's frames byte for byte when no field is damaged, in every build type.
TEST_CASE("fake peer: an undamaged frame equals the codec's frame") {
  for (std::size_t size : {0u, 1u, 3u, 8u, 4096u}) {
    CAPTURE(size);
    wire::Bytes payload(size);
    std::iota(payload.begin(), payload.end(), std::uint8_t{7});
    wire::Bytes expected;
    REQUIRE(wire::append_frame(expected, regtest_magic(), "ping", payload).has_value());
    CHECK(test::build_frame(regtest_magic(), "ping", payload) == expected);
    auto damaged = test::build_frame(regtest_magic(), "ping", payload, {.declared_length = 99});
    REQUIRE(damaged.size() == expected.size());
    CHECK(damaged[16] == 99);
  }
}

TEST_CASE("inbound: silence after connect ends in handshake_timeout and we never speak first") {
  auto config = fast_config();
  config.policy.handshake_timeout = 300ms;
  InboundFixture f(config);
  REQUIRE(f.dial());

  REQUIRE(f.peer.expect_closed());
  REQUIRE(f.wait_finished());
  check_ended(f, PeerState::failed, DisconnectReason::handshake_timeout);
  // SV is "shy" inbound: nothing before the peer's version, not even our own version.
  CHECK(f.peer.bytes_received() == 0);
  CHECK(f.peer.close_kind() == test::CloseKind::eof);
}

TEST_CASE("inbound: a wrong magic on the first frame is a ban") {
  InboundFixture f;
  REQUIRE(f.dial());
  // Mainnet's magic on a regtest connection.
  REQUIRE(f.peer.send(f.peer.version, {.magic = net::network_params(net::NetworkId::main).magic}));

  REQUIRE(f.peer.expect_closed());
  REQUIRE(f.wait_finished());
  check_ban(f, DisconnectReason::wrong_magic);
  CHECK(f.peer.bytes_received() == 0);
}

TEST_CASE("inbound: a header declaring more than 2 MiB is a ban before any payload arrives") {
  InboundFixture f;
  REQUIRE(f.dial());
  REQUIRE(f.peer.handshake(true));

  // The header alone: the payload it announces never comes, so only a decision taken on the
  // header can close the connection (every timer of this config is far away).
  constexpr std::uint32_t kOneOverLimit = 2'097'152 + 1;
  REQUIRE(f.peer.send_frame("inv", {}, {.declared_length = kOneOverLimit}));

  REQUIRE(f.peer.expect_closed());
  REQUIRE(f.wait_finished());
  check_ban(f, DisconnectReason::oversize_message);
}

TEST_CASE("inbound: a bad checksum after the handshake drops the frame, the connection stays") {
  InboundFixture f;
  REQUIRE(f.dial());
  REQUIRE(f.peer.handshake(true));

  constexpr std::uint64_t kDroppedNonce = 111;
  const auto payload = wire::encode_payload(wire::Ping{kDroppedNonce});
  REQUIRE(
      f.peer.send_frame("ping", payload, {.checksum = std::array<std::uint8_t, 4>{1, 2, 3, 4}}));
  // Answered in order: had the damaged ping been processed, its pong would come first.
  CHECK(f.round_trip(222));

  for (const auto& pong : f.peer.received_of<wire::Pong>())
    CHECK(pong.nonce != kDroppedNonce);
  // One bad checksum is no fault at SV (+1 only for a burst of more than 100).
  CHECK(f.events_of<conn::Misbehaviour>().empty());
  CHECK(f.node()->state() == PeerState::connected);

  REQUIRE(f.peer.close_gracefully());
  REQUIRE(f.wait_finished());
  check_ended(f, PeerState::failed, DisconnectReason::peer_closed);
  CHECK(f.peer.bad_frames() == 0);
}

TEST_CASE("inbound: verack before version costs +1 and the handshake still completes") {
  InboundFixture f;
  REQUIRE(f.dial());
  REQUIRE(f.peer.send(wire::Verack{}));
  REQUIRE(f.wait_for_misbehaviour(1));
  const auto scored = f.events_of<conn::Misbehaviour>();
  CHECK(scored[0].points == 1);
  CHECK(scored[0].score == 1);
  CHECK(scored[0].reason.find("missing-version") != std::string::npos);

  REQUIRE(f.peer.handshake(true));
  REQUIRE(f.events.wait_until(
      [&](const auto& ev) { return test::reached_state(ev, kNodeId, PeerState::connected); }));
  CHECK(f.round_trip(5));
  CHECK(f.events_of<conn::HandshakeDone>().size() == 1);
  CHECK(f.events_of<conn::Misbehaviour>().size() == 1);
  CHECK(f.events_of<conn::BanRequested>().empty());

  REQUIRE(f.peer.close_gracefully());
  REQUIRE(f.wait_finished());
  check_ended(f, PeerState::failed, DisconnectReason::peer_closed);
}

TEST_CASE("inbound: a second version gets reject 0x12 (duplicate) and +1") {
  InboundFixture f;
  REQUIRE(f.dial());
  REQUIRE(f.peer.handshake(true));

  REQUIRE(f.peer.send(f.peer.version));
  const auto reject = f.peer.expect<wire::Reject>();
  REQUIRE(reject);
  CHECK(reject->message == "version");
  CHECK(reject->code == static_cast<std::uint8_t>(wire::RejectCode::duplicate));
  REQUIRE(f.wait_for_misbehaviour(1));
  const auto scored = f.events_of<conn::Misbehaviour>();
  CHECK(scored[0].points == 1);
  CHECK(scored[0].score == 1);
  // SV keeps the connection.
  CHECK(f.round_trip(6));

  REQUIRE(f.peer.close_gracefully());
  REQUIRE(f.wait_finished());
  check_ended(f, PeerState::failed, DisconnectReason::peer_closed);
}

namespace {

constexpr std::uint64_t kFloodPings = 500;

// kFloodPings pings with nonces 1..kFloodPings, back to back in one write.
wire::Bytes ping_flood(const test::FakePeer& peer) {
  wire::Bytes flood;
  for (std::uint64_t nonce = 1; nonce <= kFloodPings; ++nonce) {
    const auto frame = peer.frame_bytes("ping", wire::encode_payload(wire::Ping{nonce}));
    flood.insert(flood.end(), frame.begin(), frame.end());
  }
  return flood;
}

}  // namespace

TEST_CASE("inbound: a flood of 500 pings is answered pong for pong without a rate limit") {
  InboundFixture f;
  REQUIRE(f.dial());
  REQUIRE(f.peer.handshake(true));

  REQUIRE(f.peer.send_raw(ping_flood(f.peer)));
  // SV answers every ping at once, with its nonce (bsv-protocol.md §5); in order, one strand.
  std::vector<std::uint64_t> nonces;
  while (nonces.size() < kFloodPings) {
    const auto pong = f.peer.expect<wire::Pong>();
    if (!pong) break;
    nonces.push_back(pong->nonce);
  }
  std::vector<std::uint64_t> expected(kFloodPings);
  std::iota(expected.begin(), expected.end(), 1);
  CHECK(nonces.size() == kFloodPings);
  CHECK(nonces == expected);
  CHECK(f.events_of<conn::Misbehaviour>().empty());

  f.peer.close_gracefully();
  REQUIRE(f.wait_finished());
  check_ended(f, PeerState::failed, DisconnectReason::peer_closed);
}

TEST_CASE("inbound: a flood of 500 pings over a low rate limit scores and ends in a ban") {
  auto config = fast_config();
  // connection_core: each message over the token bucket costs misbehavior_per_excess points
  // and is dropped; the ban follows at the threshold (100).
  config.policy.rate_limit = conn::RateLimit{10.0, 20.0, 1};
  InboundFixture f(config);
  REQUIRE(f.dial());
  REQUIRE(f.peer.handshake(true));

  // The node may close before it has read the whole flood, so the write may fail.
  f.peer.send_raw(ping_flood(f.peer));
  REQUIRE(f.peer.expect_closed());
  REQUIRE(f.wait_finished());

  const auto scored = f.events_of<conn::Misbehaviour>();
  REQUIRE_FALSE(scored.empty());
  CHECK(scored.front().reason.find("rate") != std::string::npos);
  CHECK(scored.back().score >= 100);
  check_ban(f, DisconnectReason::misbehavior_ban);
  // Pings over the limit were dropped unanswered.
  CHECK(f.peer.received_of<wire::Pong>().size() < kFloodPings);
}

TEST_CASE("inbound: a pong with an unknown nonce is ignored and our ping stays outstanding") {
  InboundFixture f;
  f.peer.auto_pong = false;
  REQUIRE(f.dial());
  REQUIRE(f.peer.handshake(true));
  auto node = f.node();
  REQUIRE(node);

  // Our first ping goes out as soon as the handshake completes; no second one while it is
  // outstanding.
  const auto ping = f.peer.expect<wire::Ping>();
  REQUIRE(ping);
  REQUIRE(ping->nonce);
  const std::uint64_t wrong = *ping->nonce ^ 0x5a5a5a5a5a5a5a5aull;
  REQUIRE(f.peer.send(wire::Pong{wrong}));
  REQUIRE(f.round_trip(7));  // the wrong pong has been processed

  CHECK(node->state() == PeerState::connected);
  CHECK(node->last_ping_us() == -1);  // nothing matched
  CHECK(f.events_of<conn::Misbehaviour>().empty());

  // Had the wrong nonce cancelled the ping, this pong would be unsolicited and measure nothing.
  REQUIRE(f.peer.send(wire::Pong{*ping->nonce}));
  REQUIRE(f.events.wait_until([&](const auto&) { return node->last_ping_us() >= 0; }));
  CHECK(node->min_ping_us() >= 0);
  // With the ping answered, pinging resumes.
  const auto next = f.peer.expect<wire::Ping>();
  REQUIRE(next);
  CHECK(next->nonce != ping->nonce);

  REQUIRE(f.peer.close_gracefully());
  REQUIRE(f.wait_finished());
  check_ended(f, PeerState::failed, DisconnectReason::peer_closed);
}

TEST_CASE("inbound: a peer that never answers our pings is dropped with ping_timeout") {
  auto config = fast_config();
  config.policy.ping_timeout = 400ms;
  InboundFixture f(config);
  f.peer.auto_pong = false;
  REQUIRE(f.dial());
  REQUIRE(f.peer.handshake(true));
  REQUIRE(f.peer.expect<wire::Ping>());

  REQUIRE(f.peer.expect_closed());
  REQUIRE(f.wait_finished());
  check_ended(f, PeerState::failed, DisconnectReason::ping_timeout);
}

TEST_CASE("inbound: a version trickled a byte per 50 ms does not push the handshake deadline") {
  auto config = fast_config();
  config.policy.handshake_timeout = 300ms;
  InboundFixture f(config);
  REQUIRE(f.dial());

  // 128 bytes at 50 ms each would take 6.4 s; a deadline re-armed by every byte (or by
  // bytes_received) would never fire during the trickle and the version would complete.
  const auto version = f.peer.frame_bytes("version", wire::encode_payload(f.peer.version));
  const std::size_t sent = f.peer.send_slowly(version, 50ms);
  CHECK(sent < version.size());

  REQUIRE(f.peer.expect_closed());
  REQUIRE(f.wait_finished());
  check_ended(f, PeerState::failed, DisconnectReason::handshake_timeout);
  CHECK(f.peer.bytes_received() == 0);
}

TEST_CASE("inbound: a reset in the middle of a frame ends the connection without a crash") {
  InboundFixture f;
  REQUIRE(f.dial());
  REQUIRE(f.peer.handshake(true));
  REQUIRE(f.round_trip(8));

  const auto frame = f.peer.frame_bytes("ping", wire::encode_payload(wire::Ping{9}));
  REQUIRE(f.peer.send_raw(wire::ByteSpan(frame).first(frame.size() / 2)));
  f.peer.reset_abruptly();

  REQUIRE(f.wait_finished());
  const auto end = f.final_state();
  REQUIRE(end);
  CHECK(name(end->to) == name(PeerState::failed));
  const bool transport_end = end->reason == DisconnectReason::network_error ||
                             end->reason == DisconnectReason::peer_closed;
  CHECK_MESSAGE(transport_end, "ended with " << conn::to_string(*end->reason));
  CHECK(f.events_of<conn::BanRequested>().empty());
}

TEST_CASE("inbound: a banned user agent is a ban, with nothing sent back") {
  InboundFixture f;
  f.peer.version.user_agent = "/Bitcoin ABC:0.20/";
  REQUIRE(f.dial());
  REQUIRE(f.peer.send(f.peer.version));

  REQUIRE(f.peer.expect_closed());
  REQUIRE(f.wait_finished());
  check_ban(f, DisconnectReason::banned_user_agent);
  CHECK(f.peer.bytes_received() == 0);
}

TEST_CASE("inbound: garbage after relay in version gets reject 0x60 and a disconnect") {
  InboundFixture f;
  REQUIRE(f.dial());
  // SV's functional test (bsv-p2p-version_msg.py): 8 bytes where the association id goes.
  auto payload = wire::encode_payload(f.peer.version);
  const wire::Bytes garbage{0xfe, 0x11, 0x11, 0x11, 0x00, 0x00, 0x00, 0x00};
  payload.insert(payload.end(), garbage.begin(), garbage.end());
  REQUIRE(f.peer.send_frame("version", payload));

  const auto reject = f.peer.expect<wire::Reject>();
  REQUIRE(reject);
  CHECK(reject->message == "version");
  CHECK(reject->code == static_cast<std::uint8_t>(wire::RejectCode::stream_setup));
  REQUIRE(f.peer.expect_closed());
  REQUIRE(f.wait_finished());
  check_ended(f, PeerState::rejected, DisconnectReason::bad_version_message);
  CHECK(f.events_of<conn::BanRequested>().empty());
  // The reject is all we said: no version, no verack.
  CHECK(f.peer.received_commands() == std::vector<std::string>{"reject"});
}

TEST_CASE("inbound: a second protoconf is a disconnect without a ban") {
  InboundFixture f;
  REQUIRE(f.dial());
  REQUIRE(f.peer.handshake(true));  // sends the first protoconf after its verack
  REQUIRE(f.round_trip(10));
  CHECK(test::received<wire::Protoconf>(f.events.snapshot(), kNodeId) == 1);  // the first one

  REQUIRE(f.peer.send(f.peer.protoconf));
  REQUIRE(f.peer.expect_closed());
  REQUIRE(f.wait_finished());
  check_ended(f, PeerState::rejected, DisconnectReason::protocol_violation);
  CHECK(f.events_of<conn::BanRequested>().empty());
  CHECK(f.events_of<conn::Misbehaviour>().empty());
}

TEST_CASE("inbound: we answer version with version, verack, protoconf, and ping after verack") {
  InboundFixture f;
  REQUIRE(f.dial());
  REQUIRE(f.peer.send(f.peer.version));
  REQUIRE(f.peer.expect<wire::Protoconf>());
  // What a SV peer needs to see (bsv-protocol.md §4.1, §4.2): our verack right after our
  // version, protoconf only after our verack, nothing else before the peer's verack.
  CHECK(f.peer.received_commands() == std::vector<std::string>{"version", "verack", "protoconf"});
  const auto ours = f.peer.received_of<wire::Version>();
  REQUIRE(ours.size() == 1);
  CHECK(ours[0].version == net::kProtocolVersion);
  CHECK(ours[0].nonce != f.peer.version.nonce);
  CHECK_FALSE(ours[0].association_id.has_value());  // single stream: we echo no id

  REQUIRE(f.peer.send(wire::Verack{}));
  REQUIRE(f.peer.expect<wire::Ping>());
  const auto commands = f.peer.received_commands();
  REQUIRE(commands.size() >= 4);
  CHECK(commands[3] == "ping");
  CHECK(f.events_of<conn::Misbehaviour>().empty());

  REQUIRE(f.peer.close_gracefully());
  REQUIRE(f.wait_finished());
  check_ended(f, PeerState::failed, DisconnectReason::peer_closed);
  CHECK(f.peer.bad_frames() == 0);
}
