// Two PeerConnection actors over loopback: outbound <-> inbound.
#include "support/event_log.hpp"
#include "support/io_runner.hpp"
#include "support/test_listener.hpp"

#include <bsvpeer/conn/peer_connection.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <numeric>
#include <vector>

using namespace bsvpeer;
using namespace std::chrono_literals;

namespace {

conn::ConnectionConfig fast_config() {
  conn::ConnectionConfig c;
  c.network = net::network_params(net::NetworkId::regtest);
  c.policy.handshake_timeout = 5s;
  c.policy.ping_interval = 100ms;
  c.policy.ping_timeout = 5s;
  c.connect_timeout = 2s;
  return c;
}

bool all_finished(const std::vector<std::shared_ptr<conn::PeerConnection>>& cs) {
  for (const auto& c : cs) {
    if (!c->finished()) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("outbound and inbound actors handshake, exchange pings and shut down cleanly") {
  test::IoRunner io(2);
  test::EventLog events;
  auto listener =
      std::make_shared<test::TestListener>(io.context(), fast_config(), events.handler(), 1000);
  listener->start();
  auto out = conn::PeerConnection::outbound(io.context().get_executor(), listener->endpoint(),
                                            fast_config(), events.handler(), nullptr, 1);
  out->start();

  REQUIRE(events.wait_until([&](const auto& ev) {
    return test::reached_state(ev, 1, conn::PeerState::connected) &&
           test::reached_state(ev, 1000, conn::PeerState::connected);
  }));
  // Pings every 100 ms both ways; wait until each side has measured a round trip.
  REQUIRE(events.wait_until([&](const auto&) {
    auto in = listener->connections();
    return out->last_ping_us() >= 0 && !in.empty() && in[0]->last_ping_us() >= 0;
  }));
  CHECK(out->min_ping_us() >= 0);
  CHECK(out->min_ping_us() <= out->last_ping_us());

  // The handshake exchanged what SV expects: each side got the other's version fields.
  bool saw_version = false;
  for (const auto& e : events.snapshot()) {
    if (auto* h = std::get_if<conn::HandshakeDone>(&e.body); h && e.peer.id == 1) {
      saw_version = true;
      CHECK(h->peer_version.version == 70016);
      CHECK(h->peer_version.user_agent == conn::kDefaultUserAgent);
      CHECK_FALSE(h->peer_version.association_id.has_value());
    }
  }
  CHECK(saw_version);
  // protoconf went both ways and was delivered.
  CHECK(test::received<wire::Protoconf>(events.snapshot(), 1) == 1);
  CHECK(test::received<wire::Protoconf>(events.snapshot(), 1000) == 1);

  out->disconnect();
  REQUIRE(events.wait_until(
      [&](const auto&) { return out->finished() && all_finished(listener->connections()); }));
  const auto ev = events.snapshot();
  auto out_end = test::final_state(ev, 1);
  REQUIRE(out_end);
  CHECK(out_end->reason == conn::DisconnectReason::local_request);
  auto in_end = test::final_state(ev, 1000);
  REQUIRE(in_end);
  CHECK(in_end->reason == conn::DisconnectReason::peer_closed);
  listener->stop();
}

TEST_CASE("an outbound connection to a closed port fails and restarts within its window") {
  test::IoRunner io(2);
  test::EventLog events;
  // Find a port nobody listens on.
  boost::asio::ip::tcp::endpoint closed;
  {
    boost::asio::ip::tcp::acceptor a(io.context(), {boost::asio::ip::make_address("127.0.0.1"), 0});
    closed = a.local_endpoint();
  }
  auto config = fast_config();
  config.restart.backoff.initial_delay = 10ms;
  config.restart.backoff.max_delay = 50ms;
  config.restart.window.max_restarts = 2;
  auto out = conn::PeerConnection::outbound(io.context().get_executor(), closed, config,
                                            events.handler(), nullptr, 7);
  out->start();
  REQUIRE(events.wait_until([&](const auto&) { return out->finished(); }));
  CHECK(events.count<conn::RestartScheduled>(7) == 2);
  auto end = test::final_state(events.snapshot(), 7);
  REQUIRE(end);
  CHECK(end->to == conn::PeerState::failed);
  CHECK(end->reason == conn::DisconnectReason::connect_failed);
}

TEST_CASE("an unknown-command responder sees the sender and answers on the same connection") {
  test::IoRunner io(2);
  test::EventLog events;
  // The inbound side answers "xping" with "xpong" carrying the same payload.
  auto server_config = fast_config();
  std::atomic<std::uint64_t> seen_peer{0};
  server_config.unknown_command_responders["xping"] = [&](const conn::UnknownCommandContext& ctx,
                                                          const wire::UnknownMessage& m) {
    seen_peer = ctx.peer.id;
    ctx.reply(wire::UnknownMessage{"xpong", m.payload});
  };
  auto listener =
      std::make_shared<test::TestListener>(io.context(), server_config, events.handler(), 1000);
  listener->start();
  auto out = conn::PeerConnection::outbound(io.context().get_executor(), listener->endpoint(),
                                            fast_config(), events.handler(), nullptr, 1);
  out->start();
  REQUIRE(events.wait_until(
      [&](const auto& ev) { return test::reached_state(ev, 1, conn::PeerState::connected); }));
  out->send(wire::UnknownMessage{"xping", {1, 2, 3}});
  auto answered = [](const std::vector<conn::ConnectionEvent>& ev) {
    for (const auto& e : ev) {
      const auto* r = std::get_if<conn::MessageReceived>(&e.body);
      const auto* u = r ? std::get_if<wire::UnknownMessage>(&r->message) : nullptr;
      if (e.peer.id == 1 && u && u->command == "xpong") return u->payload == wire::Bytes{1, 2, 3};
    }
    return false;
  };
  REQUIRE(events.wait_until(answered));
  CHECK(seen_peer.load() == 1000);
  out->disconnect();
  REQUIRE(events.wait_until(
      [&](const auto&) { return out->finished() && all_finished(listener->connections()); }));
  listener->stop();
}

// More than the kernel's socket buffers take at once: the sender's direct write stops part-way
// and its asynchronous write finishes; the receiver assembles each payload over many reads into
// its thread's buffer. Every message arrives whole, unchanged and in order.
TEST_CASE("megabyte messages both ways arrive whole and in order") {
  test::IoRunner io(2);
  test::EventLog events;
  constexpr int kMessages = 12;
  constexpr std::size_t kSize = 1'500'000;  // under the 2 MiB receive limit
  auto payload_of = [](int i) {
    wire::Bytes p(kSize);
    for (std::size_t j = 0; j < p.size(); ++j)
      p[j] = static_cast<std::uint8_t>((j * 131 + static_cast<std::size_t>(i) * 7) >> 3);
    return p;
  };
  std::mutex mutex;
  std::vector<int> received_in;   // message numbers the inbound side got intact (-1: damaged)
  std::vector<int> received_out;  // the same for the outbound side
  auto record = [&](std::vector<int>& into) {
    return [&, &into = into](const wire::UnknownMessage& m) {
      std::lock_guard lock(mutex);
      const int i = static_cast<int>(into.size());
      into.push_back(m.payload == payload_of(i) ? i : -1);
    };
  };
  auto server_config = fast_config();
  server_config.unknown_command_handlers["xbulk"] = record(received_in);
  auto client_config = fast_config();
  client_config.unknown_command_handlers["xbulk"] = record(received_out);
  auto listener =
      std::make_shared<test::TestListener>(io.context(), server_config, events.handler(), 1000);
  listener->start();
  auto out = conn::PeerConnection::outbound(io.context().get_executor(), listener->endpoint(),
                                            client_config, events.handler(), nullptr, 1);
  out->start();
  REQUIRE(events.wait_until(
      [&](const auto& ev) { return test::reached_state(ev, 1000, conn::PeerState::connected); }));
  std::shared_ptr<conn::PeerConnection> in;
  for (const auto& c : listener->connections())
    if (c->id() == 1000) in = c;
  REQUIRE(in);
  for (int i = 0; i < kMessages; ++i) {
    out->send(wire::UnknownMessage{"xbulk", payload_of(i)});
    in->send(wire::UnknownMessage{"xbulk", payload_of(i)});
  }
  auto all_in = [&](const auto&) {
    std::lock_guard lock(mutex);
    return received_in.size() == kMessages && received_out.size() == kMessages;
  };
  REQUIRE(events.wait_until(all_in, 60s));
  std::vector<int> expected(kMessages);
  std::iota(expected.begin(), expected.end(), 0);
  {
    std::lock_guard lock(mutex);
    CHECK(received_in == expected);
    CHECK(received_out == expected);
  }
  CHECK(out->state() == conn::PeerState::connected);
  CHECK(in->state() == conn::PeerState::connected);
  out->disconnect();
  REQUIRE(events.wait_until(
      [&](const auto&) { return out->finished() && all_finished(listener->connections()); }));
  listener->stop();
}
