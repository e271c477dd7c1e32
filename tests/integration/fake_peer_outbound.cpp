// Our node on the outbound side: it dials a scripted FakePeer that listens and answers the way
// SV Node does (bsv-protocol.md §4.1), or hangs up to make us restart; and our own outbound
// dialling our own listener, which must notice the self-connection (§3.5).
#include "support/event_log.hpp"
#include "support/fake_peer.hpp"
#include "support/io_runner.hpp"
#include "support/test_listener.hpp"

#include <bsvpeer/conn/nonce_registry.hpp>
#include <bsvpeer/conn/peer_connection.hpp>
#include <bsvpeer/net/network.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer;
using namespace std::chrono_literals;
using conn::DisconnectReason;
using conn::PeerState;
using test::name;
using test::regtest_magic;

namespace {

constexpr std::uint64_t kNodeId = 1;

// Timers a case is not about stay long enough never to fire under a sanitizer on a loaded
// machine; restarts are fast so the restart case does not wait for seconds.
conn::ConnectionConfig fast_config() {
  conn::ConnectionConfig c;
  c.network = net::network_params(net::NetworkId::regtest);
  c.policy.handshake_timeout = 5s;
  c.policy.ping_interval = 150ms;
  c.policy.ping_timeout = 5s;
  c.policy.inactivity_timeout = 10s;
  c.connect_timeout = 5s;
  c.restart.backoff.initial_delay = 10ms;
  c.restart.backoff.max_delay = 50ms;
  return c;
}

// A FakePeer listening, and our outbound actor dialling it.
class OutboundFixture {
 public:
  OutboundFixture() : peer(regtest_magic()), endpoint(peer.listen()) {}
  // Also runs when a REQUIRE failed halfway: the actor is asked to end and awaited (bounded)
  // before the io_context stops.
  ~OutboundFixture() {
    peer.close();
    if (node) {
      node->disconnect();
      events.wait_until([&](const auto&) { return node->finished(); }, 10s);
    }
    io.stop();
  }
  OutboundFixture(const OutboundFixture&) = delete;
  OutboundFixture& operator=(const OutboundFixture&) = delete;

  void start(const conn::ConnectionConfig& config) {
    node = conn::PeerConnection::outbound(io.context().get_executor(), endpoint, config,
                                          events.handler(), nullptr, kNodeId);
    node->start();
  }

  // The actor finished and its final StateChanged has been delivered.
  bool wait_finished() {
    return events.wait_until(
        [&](const auto& ev) { return node->finished() && test::final_state(ev, kNodeId); });
  }
  std::optional<conn::StateChanged> final_state() const {
    return test::final_state(events.snapshot(), kNodeId);
  }
  template <class T>
  std::vector<T> events_of() const {
    return test::events_of<T>(events.snapshot(), kNodeId);
  }

  test::IoRunner io{2};
  test::EventLog events;
  test::FakePeer peer;
  boost::asio::ip::tcp::endpoint endpoint;
  std::shared_ptr<conn::PeerConnection> node;
};

// Type 0x00 (UUID) and 16 bytes: what SV sends as association id on its outbound side.
wire::Bytes uuid_association_id() {
  wire::Bytes id{0x00};
  for (std::uint8_t i = 0; i < 16; ++i)
    id.push_back(static_cast<std::uint8_t>(0xa0 + i));
  return id;
}

}  // namespace

TEST_CASE("outbound: an SV-style peer's handshake and follow-up messages are handled like SV") {
  OutboundFixture f;
  f.start(fast_config());
  REQUIRE(f.peer.accept());

  // We speak first, with our version alone.
  const auto ours = f.peer.expect<wire::Version>();
  REQUIRE(ours);
  CHECK(f.peer.received_commands() == std::vector<std::string>{"version"});
  CHECK_FALSE(ours->association_id.has_value());

  // SV's answer, back to back: version (with a 17-byte association id), verack, protoconf.
  // The protoconf announces a third field and carries bytes we do not know: SV's spec says
  // future fields are to be ignored.
  f.peer.version.association_id = uuid_association_id();
  REQUIRE(f.peer.send(f.peer.version));
  REQUIRE(f.peer.send(wire::Verack{}));
  auto protoconf = wire::encode_payload(wire::Protoconf{3, 2'097'152, "BlockPriority,Default"});
  const wire::Bytes future_field{0xaa, 0xbb, 0xcc, 0xdd};
  protoconf.insert(protoconf.end(), future_field.begin(), future_field.end());
  REQUIRE(f.peer.send_frame("protoconf", protoconf));

  REQUIRE(f.peer.expect<wire::Ping>());  // sent once our handshake is complete
  const auto commands = f.peer.received_commands();
  REQUIRE(commands.size() >= 4);
  // Our verack right after their version, before anything else.
  CHECK(commands[0] == "version");
  CHECK(commands[1] == "verack");
  CHECK(commands[2] == "protoconf");
  CHECK(commands[3] == "ping");

  REQUIRE(f.events.wait_until(
      [&](const auto& ev) { return test::reached_state(ev, kNodeId, PeerState::connected); }));
  const auto done = f.events_of<conn::HandshakeDone>();
  REQUIRE(done.size() == 1);
  REQUIRE(done[0].peer_version.association_id);
  CHECK(done[0].peer_version.association_id->size() == 17);
  CHECK(done[0].peer_version.user_agent == "/Bitcoin SV:1.2.2/");

  // What SV sends after our verack (§4.1 step 4-5); getheaders last.
  wire::AuthCh authch;
  authch.challenge = wire::Bytes(32, 0x42);
  REQUIRE(f.peer.send(authch));
  REQUIRE(f.peer.send(wire::SendCmpct{false, 1}));
  REQUIRE(f.peer.send(wire::FeeFilter{1000}));
  wire::GetHeaders getheaders;
  getheaders.version = static_cast<std::uint32_t>(net::kProtocolVersion);
  getheaders.locator.push_back(net::network_params(net::NetworkId::regtest).genesis_hash);
  REQUIRE(f.peer.send(getheaders));

  // We serve no chain: "nothing to give" is an empty headers message.
  const auto headers = f.peer.expect<wire::Headers>();
  REQUIRE(headers);
  CHECK(headers->headers.empty());
  REQUIRE(f.peer.send(wire::Ping{31}));
  const auto pong = f.peer.expect<wire::Pong>();
  REQUIRE(pong);
  CHECK(pong->nonce == 31);

  const auto events = f.events.snapshot();
  // Tolerated: delivered to the user, no penalty, no answer.
  CHECK(test::received<wire::Protoconf>(events, kNodeId) == 1);
  CHECK(test::received<wire::AuthCh>(events, kNodeId) == 1);
  CHECK(test::received<wire::SendCmpct>(events, kNodeId) == 1);
  CHECK(test::received<wire::FeeFilter>(events, kNodeId) == 1);
  CHECK(test::events_of<conn::Misbehaviour>(events, kNodeId).empty());
  CHECK(f.peer.received_of<wire::Reject>().empty());
  CHECK(f.peer.bad_frames() == 0);
  CHECK(f.node->state() == PeerState::connected);

  f.node->disconnect();
  REQUIRE(f.peer.expect_closed());
  REQUIRE(f.wait_finished());
  const auto end = f.final_state();
  REQUIRE(end);
  CHECK(name(end->to) == name(PeerState::rejected));
  CHECK(name(end->reason) == name(DisconnectReason::local_request));
  CHECK(f.events_of<conn::RestartScheduled>().empty());
}

TEST_CASE("outbound: a peer that hangs up after the handshake is redialled, twice at most") {
  auto config = fast_config();
  config.restart.window.max_restarts = 2;
  OutboundFixture f;
  f.start(config);

  // The first connection and two restarts: each completes the handshake and is then closed.
  for (int connection = 0; connection < 3; ++connection) {
    CAPTURE(connection);
    REQUIRE(f.peer.accept());
    REQUIRE(f.peer.handshake(false));
    REQUIRE(f.peer.close_gracefully());
  }
  REQUIRE(f.wait_finished());
  // The actor is done, so no dial can be pending: no fourth connection.
  CHECK_FALSE(f.peer.accept(0ms));

  const auto restarts = f.events_of<conn::RestartScheduled>();
  REQUIRE(restarts.size() == 2);
  for (std::size_t i = 0; i < restarts.size(); ++i) {
    CAPTURE(i);
    CHECK(restarts[i].restart_count == static_cast<int>(i) + 1);
    // Within the backoff: max_delay plus its jitter (20 %).
    CHECK(restarts[i].delay <= 60ms);
  }
  CHECK(f.events_of<conn::HandshakeDone>().size() == 3);
  const auto end = f.final_state();
  REQUIRE(end);
  CHECK(name(end->to) == name(PeerState::failed));
  CHECK(name(end->reason) == name(DisconnectReason::peer_closed));
}

TEST_CASE("outbound: dialling our own listener is detected by the inbound side") {
  test::IoRunner io(2);
  test::EventLog events;
  constexpr std::uint64_t kInboundId = 1000;
  // One registry for the node's outbound and inbound connections, as a Manager would share it.
  auto nonces = std::make_shared<conn::NonceRegistry>();
  auto config = fast_config();
  config.restart.enabled = false;  // one dial is enough to see the reaction
  auto listener = std::make_shared<test::TestListener>(io.context(), config, events.handler(),
                                                       kInboundId, nonces);
  listener->start();
  auto out = conn::PeerConnection::outbound(io.context().get_executor(), listener->endpoint(),
                                            config, events.handler(), nonces, kNodeId);
  out->start();

  const auto all_done = [&](const std::vector<conn::ConnectionEvent>& ev) {
    const auto in = listener->connections();
    return out->finished() && !in.empty() && in[0]->finished() && test::final_state(ev, kNodeId) &&
           test::final_state(ev, kInboundId);
  };
  const bool finished = events.wait_until(all_done);
  if (!finished) {
    out->disconnect();
    for (const auto& c : listener->connections())
      c->disconnect();
    events.wait_until(all_done, 10s);
  }
  listener->stop();
  REQUIRE(finished);

  const auto ev = events.snapshot();
  const auto in_end = test::final_state(ev, kInboundId);
  REQUIRE(in_end);
  CHECK(name(in_end->to) == name(PeerState::rejected));
  CHECK(name(in_end->reason) == name(DisconnectReason::self_connection));
  // SV leaves silently: no reject, no version to ourselves.
  CHECK(out->bytes_received() == 0);
  CHECK(test::events_of<conn::HandshakeDone>(ev, kNodeId).empty());
  CHECK(test::events_of<conn::HandshakeDone>(ev, kInboundId).empty());
  CHECK(test::events_of<conn::BanRequested>(ev, kInboundId).empty());
  const auto out_end = test::final_state(ev, kNodeId);
  REQUIRE(out_end);
  CHECK(name(out_end->to) == name(PeerState::failed));
  CHECK(name(out_end->reason) == name(DisconnectReason::peer_closed));
  // Both actors gave their nonces back.
  CHECK(nonces->size() == 0);
  io.stop();
}
