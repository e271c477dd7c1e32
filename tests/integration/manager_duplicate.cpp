// Two nodes that dial each other at the same moment (manual peers, fixed-peer mode, or normal
// mode with each other in the store) end with exactly one connection, which stays; neither
// side holds the other's refused or closed duplicate against it; after a drop, one connection
// comes back. A scripted peer then forces each race in turn: our dial reset before its dial
// arrives, its dial arriving while ours awaits its handshake, its dial arriving before ours.
// Nodes sharing one IP still reach every manual peer.
#include "support/fake_peer.hpp"
#include "support/io_runner.hpp"
#include "support/mesh.hpp"

#include <bsvpeer/node/manager.hpp>

#include <doctest/doctest.h>

#include <thread>

using namespace bsvpeer;
using namespace std::chrono_literals;
using tcp = boost::asio::ip::tcp;

namespace {

enum class Dial { manual, fixed, store };

// A port that `ips` can all listen on now, `span` ports from it, below the ephemeral range: a
// dial of another test bound to 127.0.0.x may hold an ephemeral port there, and a listener
// that cannot bind keeps retrying until the test's wait gives up.
std::uint16_t free_port(const std::vector<std::string>& ips, std::uint16_t span = 1) {
  boost::asio::io_context ioc;
  for (int attempt = 0; attempt < 100; ++attempt) {
    const auto port = static_cast<std::uint16_t>(20000 + test::random_mesh_port() % 12000);
    bool free = true;
    for (const auto& ip : ips) {
      for (std::uint16_t k = 0; k < span && free; ++k) {
        boost::asio::ip::tcp::acceptor a(ioc);
        boost::system::error_code ec;
        a.open(tcp::v4(), ec);
        if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec)
          a.bind({boost::asio::ip::make_address(ip), static_cast<std::uint16_t>(port + k)}, ec);
        if (!ec) a.listen(1, ec);
        free = !ec;
      }
    }
    if (free) return port;
  }
  FAIL("no free port on loopback");
  return 0;
}

// Long enough for a refused duplicate to be dialled again several times (manual_retry is
// 200 ms, the refill timer 1 s): a sampling window, not a time limit.
constexpr auto kSteadyWindow = 3s;

struct Pair {
  explicit Pair(Dial how) : port(free_port({test::mesh_ip(0), test::mesh_ip(1)})) {
    for (int i : {0, 1}) {
      auto cfg = test::mesh_node_config(test::mesh_ip(i), port);
      if (how == Dial::fixed) {
        cfg.mode = node::OutboundMode::fixed;
        cfg.fixed_peers = {endpoint(1 - i)};
      }
      nodes[i] = node::Manager::create(io.context().get_executor(), cfg);
      events[i] = nodes[i]->subscribe(node::EventFilter::control);
    }
    // Fixed peers are dialled as the nodes start; the others once both listen, so the two
    // dials leave at the same moment.
    for (auto& n : nodes)
      n->start();
    if (how == Dial::fixed) return;
    REQUIRE(test::eventually([&] {
      return nodes[0]->listening_endpoints().size() == 1 &&
             nodes[1]->listening_endpoints().size() == 1;
    }));
    for (int i : {0, 1}) {
      if (how == Dial::manual) nodes[i]->add_manual_peer(endpoint(1 - i));
      if (how == Dial::store) nodes[i]->add_peer(endpoint(1 - i), peer::PeerSource::manual);
    }
  }
  ~Pair() {
    for (auto& n : nodes)
      n->shutdown_and_wait();
  }

  tcp::endpoint endpoint(int i) const {
    return {boost::asio::ip::make_address(test::mesh_ip(i)), port};
  }

  // Node i's connections (any state) with the other node's IP.
  std::vector<node::PeerInfo> links(int i) const {
    std::vector<node::PeerInfo> out;
    for (const auto& p : nodes[i]->peers()) {
      if (p.identity.endpoint.address() == endpoint(1 - i).address()) out.push_back(p);
    }
    return out;
  }

  test::IoRunner io{2};
  std::uint16_t port;
  std::shared_ptr<node::Manager> nodes[2];
  std::shared_ptr<node::Subscription> events[2];
};

// One connection seen from both ends: outbound on one side, inbound on the other, handshaked.
// Returns the two ends' connection ids (node 0's, node 1's).
std::optional<std::pair<std::uint64_t, std::uint64_t>> one_connection(const Pair& pair) {
  const auto a = pair.links(0), b = pair.links(1);
  if (a.size() != 1 || b.size() != 1) return std::nullopt;
  if (a[0].state != conn::PeerState::connected || b[0].state != conn::PeerState::connected) {
    return std::nullopt;
  }
  if (a[0].identity.direction == b[0].identity.direction) return std::nullopt;
  // Counted by the managers too, so their ConnectionEstablished events are out.
  if (pair.nodes[0]->handshaked_count() != 1 || pair.nodes[1]->handshaked_count() != 1) {
    return std::nullopt;
  }
  return std::pair{a[0].identity.id, b[0].identity.id};
}

// Every dial ends in one of these at the dialler, so churn shows here. (A refusal at accept is
// left out: the peer may still take a dial we already closed out of its backlog and refuse it.)
std::size_t connection_events(node::Subscription& events) {
  std::size_t n = 0;
  for (const auto& e : events.poll().events) {
    n += std::holds_alternative<node::ConnectionEstablished>(e) ||
                 std::holds_alternative<node::ConnectionFailed>(e) ||
                 std::holds_alternative<node::ConnectionLost>(e)
             ? 1
             : 0;
  }
  return n;
}

// Waits for one connection, then samples it over kSteadyWindow: the same two ends throughout,
// and not one connection event on either node (no new, failed or lost connection).
std::optional<std::pair<std::uint64_t, std::uint64_t>> settle_on_one(Pair& pair) {
  std::optional<std::pair<std::uint64_t, std::uint64_t>> first;
  // A duplicate being closed may still show for a moment: one connection, twice in a row.
  if (!test::eventually([&] {
        auto now = one_connection(pair);
        const bool same = now && first == now;
        first = now;
        return same;
      })) {
    FAIL_CHECK("no single connection: node 0 has " << pair.links(0).size() << ", node 1 has "
                                                   << pair.links(1).size());
    return std::nullopt;
  }
  // The loser's events came before its connection left peers(): all out now.
  for (auto& e : pair.events)
    connection_events(*e);
  std::size_t samples = 0, steady = 0;
  const auto until = std::chrono::steady_clock::now() + kSteadyWindow;
  while (std::chrono::steady_clock::now() < until) {
    ++samples;
    steady += one_connection(pair) == first ? 1 : 0;
    std::this_thread::sleep_for(20ms);
  }
  CHECK(steady == samples);
  CHECK(connection_events(*pair.events[0]) == 0);
  CHECK(connection_events(*pair.events[1]) == 0);
  return first;
}

// Node i's store holds nothing against the other node: never Inaccessible or Banned, and with
// `no_failures`, not one failure recorded (a resolved duplicate is not a failure).
void check_store(const Pair& pair, int i, bool no_failures) {
  const auto other = test::mesh_ip(1 - i);
  bool found = false;
  for (const auto& r : pair.nodes[i]->store()->snapshot()) {
    if (r.ip != other) continue;
    found = true;
    CAPTURE(i);
    CAPTURE(r.last_error);
    CHECK(r.status != peer::PeerStatus::inaccessible);
    CHECK(r.status != peer::PeerStatus::banned);
    if (no_failures) CHECK(r.retry_count == 0);
  }
  CHECK(found);
}

// Drops the connection from node `side`, then expects one new connection to settle.
void drop_and_recover(Pair& pair, int side, std::pair<std::uint64_t, std::uint64_t> before) {
  const auto id = side == 0 ? before.first : before.second;
  pair.nodes[side]->disconnect(id);
  CHECK(test::eventually([&] {
    for (const auto& p : pair.links(side)) {
      if (p.identity.id == id) return false;
    }
    return true;
  }));
  const auto after = settle_on_one(pair);
  REQUIRE(after);
  CHECK(after->first != before.first);
  CHECK(after->second != before.second);
  for (int i : {0, 1})
    check_store(pair, i, false);
}

void simultaneous_dials(Dial how) {
  Pair pair(how);
  const auto first = settle_on_one(pair);
  REQUIRE(first);
  for (int i : {0, 1})
    check_store(pair, i, how != Dial::fixed);  // fixed peers may be dialled before a listener
  auto current = *first;
  // Dropped from the inbound side, then from the outbound side.
  for (int side : {0, 1}) {
    CAPTURE(side);
    drop_and_recover(pair, side, current);
    current = *one_connection(pair);
  }
}

}  // namespace

TEST_CASE("two nodes that are each other's manual peer keep exactly one connection") {
  simultaneous_dials(Dial::manual);
}

TEST_CASE("two fixed-peer nodes fixed on each other keep exactly one connection") {
  simultaneous_dials(Dial::fixed);
}

TEST_CASE("two normal-mode nodes with each other in the store keep exactly one connection") {
  simultaneous_dials(Dial::store);
}

TEST_CASE("nodes sharing one IP on different ports all reach their manual peers") {
  // An inbound's port is ephemeral, so nodes on our own address cannot be told apart by IP:
  // none of their connections counts as a duplicate, and each dial stands.
  constexpr int kNodes = 3;
  test::IoRunner io{2};
  const auto base = free_port({"127.0.0.1"}, kNodes);
  auto endpoint = [&](int i) {
    return tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                         static_cast<std::uint16_t>(base + i));
  };
  std::vector<std::shared_ptr<node::Manager>> nodes;
  std::vector<std::shared_ptr<node::Subscription>> events;
  for (int i = 0; i < kNodes; ++i) {
    nodes.push_back(node::Manager::create(
        io.context().get_executor(),
        test::mesh_node_config("127.0.0.1", static_cast<std::uint16_t>(base + i))));
    events.push_back(nodes.back()->subscribe(node::EventFilter::control));
    nodes.back()->start();
  }
  REQUIRE(test::eventually([&] {
    for (auto& n : nodes) {
      if (n->listening_endpoints().empty()) return false;
    }
    return true;
  }));
  for (int i = 0; i < kNodes; ++i) {
    for (int k = 0; k < kNodes; ++k) {
      if (k != i) nodes[static_cast<std::size_t>(i)]->add_manual_peer(endpoint(k));
    }
  }
  // Every node handshakes its two manual dials and the two dials to it.
  auto all_up = [&] {
    for (auto& n : nodes) {
      if (test::outbound_handshaked(*n) != kNodes - 1 ||
          n->handshaked_count() != 2 * (kNodes - 1)) {
        return false;
      }
    }
    return true;
  };
  CHECK(test::eventually(all_up));
  for (auto& n : nodes) {
    const auto h = n->health();
    CHECK(h.outbound == kNodes - 1);
    CHECK(h.inbound == kNodes - 1);
  }
  std::size_t refused = 0;
  for (auto& e : events) {
    for (const auto& ev : e->poll().events)
      refused += std::holds_alternative<node::ConnectionRejected>(ev) ? 1 : 0;
  }
  CHECK(refused == 0);
  for (auto& n : nodes)
    n->shutdown_and_wait();
}

namespace {

// A wrong dial shows within a few manual_retry ticks (200 ms): the window to watch for one.
constexpr auto kQuiet = 600ms;

// A Manager at 127.0.0.2 and a scripted peer playing the node at 127.0.0.3, whose dials win
// (the higher listening endpoint): `taker` takes the Manager's dials, `dialer` dials it.
struct Scripted {
  Scripted(std::chrono::milliseconds connect_timeout, std::chrono::milliseconds manual_retry)
      : port(free_port({test::mesh_ip(0), test::mesh_ip(1)})) {
    auto cfg = test::mesh_node_config(test::mesh_ip(0), port);
    cfg.connection.connect_timeout = connect_timeout;
    cfg.manual_retry = manual_retry;
    cfg.target_outbound = 0;  // only the manual peer is dialled
    taker.listen(peer_endpoint());
    node = node::Manager::create(io.context().get_executor(), cfg);
    events = node->subscribe(node::EventFilter::control);
    node->start();
    REQUIRE(test::eventually([&] { return node->listening_endpoints().size() == 1; }));
  }
  ~Scripted() { node->shutdown_and_wait(); }

  tcp::endpoint node_endpoint() const {
    return {boost::asio::ip::make_address(test::mesh_ip(0)), port};
  }
  tcp::endpoint peer_endpoint() const {
    return {boost::asio::ip::make_address(test::mesh_ip(1)), port};
  }
  bool dial_node() {
    return dialer.connect(node_endpoint(), test::kFakePeerWait, peer_endpoint().address()) &&
           dialer.handshake(true);
  }
  std::optional<peer::PeerRecord> record() const {
    return node->store()->find(test::mesh_ip(1), port);
  }

  test::IoRunner io{2};
  std::uint16_t port;
  test::FakePeer taker{net::network_params(net::NetworkId::regtest).magic};
  test::FakePeer dialer{net::network_params(net::NetworkId::regtest).magic};
  std::shared_ptr<node::Manager> node;
  std::shared_ptr<node::Subscription> events;
};

}  // namespace

TEST_CASE("our dial reset at accept and then the peer's dial: no failure and no redial") {
  Scripted s(10s, 200ms);
  s.node->add_manual_peer(s.peer_endpoint());
  REQUIRE(s.taker.accept());
  s.taker.reset_abruptly();  // what the winning side does to our duplicate at accept
  CHECK(test::eventually([&] { return s.node->peers().empty(); }));
  // Its own dial may be on its way: not dialled again meanwhile.
  CHECK_FALSE(s.taker.accept(kQuiet));
  // It says where it listens (its version's addr_from), so its connection is the store
  // record's success (node/inbound_address.hpp).
  s.dialer.version.addr_from.ip = *wire::NetAddress::parse_ip(test::mesh_ip(1));
  s.dialer.version.addr_from.port = s.port;
  REQUIRE(s.dial_node());
  CHECK(test::eventually([&] { return s.node->handshaked_count() == 1; }));
  const auto r = s.record();
  REQUIRE(r);
  CHECK(r->retry_count == 0);
  CHECK(r->last_error.empty());
  CHECK(r->status == peer::PeerStatus::valid);
  CHECK_FALSE(s.taker.accept(kQuiet));  // connected inbound: not dialled
  CHECK(s.node->peers().size() == 1);
}

TEST_CASE("our dial reset at accept and no dial from the peer: a failure after the timeout") {
  Scripted s(1s, 200ms);
  s.node->add_manual_peer(s.peer_endpoint());
  REQUIRE(s.taker.accept());
  s.taker.reset_abruptly();
  // Dialled again once the peer's dial failed to come within the connect timeout, and the
  // reset counted then.
  REQUIRE(s.taker.accept());
  const auto r = s.record();
  REQUIRE(r);
  CHECK(r->retry_count == 1);
  CHECK_FALSE(r->last_error.empty());
}

TEST_CASE("the peer's dial arriving while ours awaits its handshake closes ours uncounted") {
  Scripted s(10s, 200ms);
  s.node->add_manual_peer(s.peer_endpoint());
  REQUIRE(s.taker.accept());  // held: the node's version is never answered
  REQUIRE(s.dial_node());
  CHECK(s.taker.expect_closed());
  CHECK(test::eventually([&] {
    const auto peers = s.node->peers();
    return peers.size() == 1 && peers[0].identity.direction == conn::Direction::inbound &&
           s.node->handshaked_count() == 1;
  }));
  const auto r = s.record();
  REQUIRE(r);
  CHECK(r->retry_count == 0);
  bool named_duplicate = false;
  for (const auto& e : s.events->poll().events) {
    if (const auto* f = std::get_if<node::ConnectionFailed>(&e)) {
      named_duplicate = named_duplicate || f->detail.find("duplicate") != std::string::npos;
    }
  }
  CHECK(named_duplicate);
  CHECK_FALSE(s.taker.accept(kQuiet));
}

TEST_CASE("a manual peer connected to us inbound is not dialled until it leaves") {
  // A long manual_retry: only the end of the inbound can bring the dial in time.
  Scripted s(10s, 60s);
  REQUIRE(s.dial_node());
  CHECK(test::eventually([&] { return s.node->handshaked_count() == 1; }));
  s.node->add_manual_peer(s.peer_endpoint());
  CHECK_FALSE(s.taker.accept(kQuiet));
  s.dialer.close_gracefully();
  CHECK(s.taker.accept());
  CHECK(s.taker.handshake(false));
}
