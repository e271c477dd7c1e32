#include <bsvpeer/node/event_hub.hpp>
#include <bsvpeer/node/node_metrics.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <thread>

using namespace bsvpeer;
using namespace bsvpeer::node;
using namespace std::chrono_literals;

namespace {

conn::ConnectionEvent event(conn::Direction d, auto body) {
  conn::ConnectionEvent e;
  e.peer.id = 7;
  e.peer.direction = d;
  e.body = std::move(body);
  return e;
}

conn::StateChanged change(conn::PeerState from, conn::PeerState to) {
  return conn::StateChanged{from, to, std::nullopt, ""};
}

const MetricFamily& find(const std::vector<MetricFamily>& fs, const std::string& name) {
  auto it = std::find_if(fs.begin(), fs.end(), [&](const auto& f) { return f.name == name; });
  REQUIRE_MESSAGE(it != fs.end(), name);
  return *it;
}

double value(const MetricFamily& f, const MetricLabels& labels, const std::string& suffix = "") {
  for (const auto& s : f.samples) {
    if (s.labels == labels && s.suffix == suffix) return s.value;
  }
  FAIL("no sample in " << f.name);
  return -1;
}

}  // namespace

TEST_CASE("histogram: cumulative buckets, a value on a bound counts in that bucket") {
  AtomicHistogram h({0.1, 1, 10});
  for (double v : {0.05, 0.1, 0.5, 1.0, 20.0})
    h.observe(v);
  const auto s = h.snapshot();
  CHECK(s.counts == std::vector<std::uint64_t>{2, 4, 4, 5});
  CHECK(s.count == 5);
  CHECK(s.sum == doctest::Approx(21.65));
}

TEST_CASE("histogram: observations from several threads all count") {
  AtomicHistogram h({1});
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i)
        h.observe(i % 2 ? 0.5 : 2.0);
    });
  }
  for (auto& t : ts)
    t.join();
  const auto s = h.snapshot();
  CHECK(s.count == 40'000);
  CHECK(s.counts[0] == 20'000);
  CHECK(s.sum == doctest::Approx(50'000.0));
}

TEST_CASE("labeled counters keep a bounded number of labels; the rest count as other") {
  LabeledCounters c(2);
  c.add("a");
  c.add("b", 2);
  c.add("c");
  c.add("d", 3);
  c.add("a");
  const auto s = c.snapshot();
  CHECK(s.size() == 3);
  CHECK(s.at("a") == 2);
  CHECK(s.at("b") == 2);
  CHECK(s.at("other") == 4);
}

TEST_CASE("connection events: attempts per direction, handshake duration, restarts, points") {
  NodeMetrics m;
  const auto t0 = conn::TimePoint{} + 100s;
  NodeMetrics::ConnectionTrack out, in;
  using conn::Direction;
  using conn::PeerState;
  // Outbound: dial, TCP up at t0, handshake 250 ms later.
  m.observe(event(Direction::outbound, change(PeerState::disconnected, PeerState::connecting)), out,
            t0 - 1s);
  m.observe(
      event(Direction::outbound, change(PeerState::connecting, PeerState::awaiting_handshake)), out,
      t0);
  m.observe(event(Direction::outbound, conn::HandshakeDone{}), out, t0 + 250ms);
  // It fails and restarts: a second dial.
  m.observe(event(Direction::outbound, conn::RestartScheduled{1s, 1}), out, t0 + 5s);
  m.observe(event(Direction::outbound, change(PeerState::disconnected, PeerState::connecting)), out,
            t0 + 6s);
  // Inbound: accepted, handshake in 3 s; then misbehaves.
  m.observe(
      event(Direction::inbound, change(PeerState::disconnected, PeerState::awaiting_handshake)), in,
      t0);
  m.observe(event(Direction::inbound, conn::HandshakeDone{}), in, t0 + 3s);
  m.observe(event(Direction::inbound, conn::Misbehaviour{10, 10, "x"}), in, t0 + 4s);
  // A second HandshakeDone without a new start is not measured twice.
  m.observe(event(Direction::inbound, conn::HandshakeDone{}), in, t0 + 9s);

  const auto c = m.counters();
  CHECK(c.connection_attempts[direction_index(Direction::outbound)] == 2);
  CHECK(c.connection_attempts[direction_index(Direction::inbound)] == 1);
  CHECK(c.restarts == 1);
  CHECK(c.misbehaviour_points == 10);
  CHECK(c.handshake_seconds.count == 2);
  CHECK(c.handshake_seconds.sum == doctest::Approx(3.25));
  // 0.25 s falls in the 0.25 bucket, 3 s in the 5 s one.
  const auto& b = c.handshake_seconds;
  const auto at = [&](double le) {
    auto i = std::find(b.upper_bounds.begin(), b.upper_bounds.end(), le) - b.upper_bounds.begin();
    return b.counts[static_cast<std::size_t>(i)];
  };
  CHECK(at(0.1) == 0);
  CHECK(at(0.25) == 1);
  CHECK(at(2.5) == 1);
  CHECK(at(5) == 2);
}

TEST_CASE("node events: established, failed and lost by reason, refusals, bans, discovery") {
  NodeMetrics m;
  conn::PeerIdentity out{1, {}, conn::Direction::outbound};
  conn::PeerIdentity in{2, {}, conn::Direction::inbound};
  m.observe(NodeEvent{ConnectionEstablished{in, {}}});
  m.observe(NodeEvent{ConnectionFailed{out, conn::DisconnectReason::connect_failed, ""}});
  m.observe(NodeEvent{ConnectionFailed{out, conn::DisconnectReason::connect_failed, ""}});
  m.observe(NodeEvent{ConnectionLost{in, conn::DisconnectReason::peer_closed, ""}});
  m.observe(NodeEvent{ConnectionRejected{{}, "banned"}});
  m.observe(NodeEvent{PeerBanned{"10.0.0.1", "misbehavior_ban", 0}});
  m.observe(NodeEvent{DiscoveryResult{"seed.example", 5, 3, ""}});
  m.observe(NodeEvent{DiscoveryResult{"addr", 2, 1, ""}});
  m.count_dns_lookup(ResolveStatus::ok);
  m.count_dns_lookup(ResolveStatus::timeout);
  m.count_dns_lookup(ResolveStatus::timeout);

  NodeMetricsSnapshot s;
  s.counters = m.counters();
  s.connections = {{conn::Direction::inbound, conn::PeerState::connected, 1}};
  s.store.valid = 4;
  s.slots = {{SlotKind::inbound, 1, 117}};
  s.event_hub_dropped = 9;
  s.traffic = {{"ping", 2, 64, 3, 96}};
  const auto fs = metric_families(s);

  CHECK(value(find(fs, "bsvpeer_connections"),
              {{"direction", "inbound"}, {"state", "connected"}}) == 1);
  CHECK(value(find(fs, "bsvpeer_connections_established_total"), {{"direction", "inbound"}}) == 1);
  CHECK(value(find(fs, "bsvpeer_connections_established_total"), {{"direction", "outbound"}}) == 0);
  CHECK(value(find(fs, "bsvpeer_connection_failures_total"),
              {{"direction", "outbound"}, {"reason", "connect_failed"}}) == 2);
  CHECK(value(find(fs, "bsvpeer_connections_lost_total"),
              {{"direction", "inbound"}, {"reason", "peer_closed"}}) == 1);
  CHECK(value(find(fs, "bsvpeer_inbound_refused_total"), {{"reason", "banned"}}) == 1);
  CHECK(value(find(fs, "bsvpeer_bans_total"), {{"reason", "misbehavior_ban"}}) == 1);
  CHECK(value(find(fs, "bsvpeer_addresses_received_total"), {{"source", "dns"}}) == 5);
  CHECK(value(find(fs, "bsvpeer_addresses_added_total"), {{"source", "addr"}}) == 1);
  CHECK(value(find(fs, "bsvpeer_dns_lookups_total"), {{"status", "timeout"}}) == 2);
  CHECK(value(find(fs, "bsvpeer_dns_lookups_total"), {{"status", "nxdomain"}}) == 0);
  CHECK(value(find(fs, "bsvpeer_store_peers"), {{"status", "valid"}}) == 4);
  CHECK(value(find(fs, "bsvpeer_slots_max"), {{"kind", "inbound"}}) == 117);
  CHECK(value(find(fs, "bsvpeer_event_hub_dropped_events_total"), {}) == 9);
  CHECK(value(find(fs, "bsvpeer_messages_received_total"), {{"command", "ping"}}) == 3);
  CHECK(value(find(fs, "bsvpeer_sent_bytes_total"), {{"command", "ping"}}) == 64);
  CHECK(value(find(fs, "bsvpeer_handshake_duration_seconds"), {{"le", "+Inf"}}, "_bucket") == 0);

  // Naming: every counter ends in _total, every name is in the namespace.
  for (const auto& f : fs) {
    CAPTURE(f.name);
    CHECK(f.name.rfind("bsvpeer_", 0) == 0);
    CHECK((f.type == MetricType::counter) == f.name.ends_with("_total"));
  }
}

TEST_CASE("event hub: every published event reaches the observer; overflows are counted") {
  NodeMetrics m;
  EventHub hub([&](const NodeEvent& e) { m.observe(e); });
  auto sub = hub.subscribe(EventFilter::control, 2);
  conn::PeerIdentity in{2, {}, conn::Direction::inbound};
  for (int i = 0; i < 5; ++i)
    hub.publish(ConnectionEstablished{in, {}});
  CHECK(m.counters().connections_established[direction_index(conn::Direction::inbound)] == 5);
  CHECK(hub.overflows() == 3);
  CHECK(sub->poll().lost == 3);
}
