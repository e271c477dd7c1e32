// Managers on a local mesh: formation through addr gossip, partition and recovery, fixed-peer
// mode, persistence of bans across restarts, hot config changes and bounded shutdown.
#include "support/io_runner.hpp"
#include "support/mesh.hpp"

#include <bsvpeer/node/manager.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <thread>

using namespace bsvpeer;
using namespace std::chrono_literals;

namespace {

struct Mesh {
  explicit Mesh(int n) : port(test::random_mesh_port()) {
    nodes.resize(static_cast<std::size_t>(n));
  }
  // Odd nodes run their connections on a pool of single-threaded contexts (as the program
  // does), even ones on strands of the shared io_context: both kinds meet on every link.
  void start_node(int i, const std::function<void(node::ManagerConfig&)>& tweak = {}) {
    auto cfg = test::mesh_node_config(test::mesh_ip(i), port);
    if (tweak) tweak(cfg);
    auto& slot = nodes[static_cast<std::size_t>(i)];
    slot = node::Manager::create(io.context().get_executor(), cfg, nullptr,
                                 i % 2 == 1 ? contexts : nullptr);
    slot->start();
  }
  void stop_node(int i) {
    auto& slot = nodes[static_cast<std::size_t>(i)];
    if (!slot) return;
    slot->shutdown_and_wait();
    slot.reset();
  }
  boost::asio::ip::tcp::endpoint endpoint(int i) const {
    return {boost::asio::ip::make_address(test::mesh_ip(i)), port};
  }
  ~Mesh() {
    for (int i = 0; i < static_cast<int>(nodes.size()); ++i)
      stop_node(i);
    contexts->stop();
    contexts->join();
  }

  // Before io, so it is destroyed after it (the connections' sockets belong to its contexts).
  std::shared_ptr<node::IoContextPool> contexts = [] {
    auto pool = std::make_shared<node::IoContextPool>(2);
    pool->start();
    return pool;
  }();
  test::IoRunner io{2};
  std::uint16_t port;
  std::vector<std::shared_ptr<node::Manager>> nodes;
};

}  // namespace

TEST_CASE("a 10-node mesh forms from a ring of seeds, holds its targets and recovers") {
  constexpr int kNodes = 10;
  Mesh mesh(kNodes);
  constexpr std::size_t kTarget = 2;
  auto target_two = [](node::ManagerConfig& c) { c.target_outbound = kTarget; };
  for (int i = 0; i < kNodes; ++i)
    mesh.start_node(i, target_two);
  // Each node is seeded with the next two; the rest comes from getaddr/addr gossip.
  for (int i = 0; i < kNodes; ++i) {
    for (int k = 1; k <= 2; ++k) {
      mesh.nodes[static_cast<std::size_t>(i)]->add_peer(mesh.endpoint((i + k) % kNodes),
                                                        peer::PeerSource::manual);
    }
  }
  std::atomic<bool> sampling{true};
  std::atomic<std::size_t> max_seen{0};
  std::thread sampler([&] {
    while (sampling) {
      // Nodes 0-2 are stopped and restarted by the main thread; the others are never
      // replaced, so only they are read from this thread.
      for (std::size_t i = 3; i < mesh.nodes.size(); ++i) {
        const auto c = mesh.nodes[i]->connection_count();
        if (c > max_seen) max_seen = c;
      }
      std::this_thread::sleep_for(5ms);
    }
  });

  auto all_at_target = [&] {
    for (auto& n : mesh.nodes) {
      // A node connected to every other one (in either direction) has nobody left to dial.
      if (n && test::outbound_handshaked(*n) < kTarget &&
          n->handshaked_count() < static_cast<std::size_t>(kNodes - 1)) {
        return false;
      }
    }
    return true;
  };
  CHECK(test::eventually(all_at_target));
  // Gossip spread the addresses: every node knows more than it was seeded with.
  CHECK(test::eventually([&] {
    for (auto& n : mesh.nodes) {
      if (n->store()->size() < 4) return false;
    }
    return true;
  }));

  SUBCASE("partition and recovery") {
    for (int i : {0, 1, 2})
      mesh.stop_node(i);
    CHECK(test::eventually(all_at_target));
    for (int i : {0, 1, 2}) {
      mesh.start_node(i, target_two);
      mesh.nodes[static_cast<std::size_t>(i)]->add_peer(mesh.endpoint(5), peer::PeerSource::manual);
    }
    CHECK(test::eventually(all_at_target));
  }
  sampling = false;
  sampler.join();
  CHECK(max_seen <= 12);
  for (auto& n : mesh.nodes) {
    if (n) CHECK(n->slot_high_water() <= 12);
  }
}

TEST_CASE("fixed-peer mode dials only the given peers, never DNS or gossip") {
  Mesh mesh(4);
  for (int i = 1; i < 4; ++i)
    mesh.start_node(i);
  mesh.start_node(0, [&](node::ManagerConfig& c) {
    c.mode = node::OutboundMode::fixed;
    c.fixed_peers = {mesh.endpoint(1)};
    c.listen = false;
  });
  auto& fixed = *mesh.nodes[0];
  // Known peers in the store are not dialled in fixed mode.
  fixed.add_peer(mesh.endpoint(2), peer::PeerSource::addr);
  fixed.add_peer(mesh.endpoint(3), peer::PeerSource::addr);
  CHECK(test::eventually([&] { return test::outbound_handshaked(fixed) == 1; }));
  std::this_thread::sleep_for(500ms);  // give a wrong dial time to show up
  const auto peers = fixed.peers();
  REQUIRE(peers.size() == 1);
  CHECK(peers[0].identity.endpoint == mesh.endpoint(1));
  // The fixed peer comes back after it drops.
  mesh.stop_node(1);
  CHECK(test::eventually([&] { return fixed.handshaked_count() == 0; }));
  mesh.start_node(1);
  CHECK(test::eventually([&] { return test::outbound_handshaked(fixed) == 1; }));
}

TEST_CASE("bans persist across restarts and refuse inbound connections") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("bsvpeer-mesh-" + std::to_string(test::random_mesh_port()));
  std::filesystem::create_directories(dir);
  const auto store_path = dir / "peers.json";
  Mesh mesh(2);
  auto with_store = [&](node::ManagerConfig& c) { c.store_path = store_path; };
  mesh.start_node(0, with_store);
  REQUIRE(mesh.nodes[0]->ban("127.0.0.3", "manual test ban", 1h) == std::nullopt);
  CHECK(mesh.nodes[0]->ban("not-an-ip", "x", 1h).has_value());
  CHECK(test::eventually([&] { return mesh.nodes[0]->store()->is_ip_banned("127.0.0.3", 0); }));
  mesh.stop_node(0);  // persists at shutdown
  REQUIRE(std::filesystem::exists(store_path));

  mesh.start_node(0, with_store);
  auto& restarted = *mesh.nodes[0];
  auto events = restarted.subscribe(node::EventFilter::control);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  CHECK(test::eventually([&] { return restarted.store()->is_ip_banned("127.0.0.3", now); }));
  // Node 1 lives on the banned IP and dials node 0: refused at accept.
  mesh.start_node(1);
  mesh.nodes[1]->add_manual_peer(mesh.endpoint(0));
  bool refused = false;
  CHECK(test::eventually([&] {
    for (auto& e : events->poll().events) {
      if (auto* r = std::get_if<node::ConnectionRejected>(&e); r && r->why == "banned") {
        refused = true;
      }
    }
    return refused;
  }));
  CHECK(restarted.handshaked_count() == 0);
  // Unban: the next attempt is accepted.
  REQUIRE(restarted.unban("127.0.0.3") == std::nullopt);
  CHECK(test::eventually([&] { return restarted.handshaked_count() == 1; }));
  mesh.stop_node(0);
  mesh.stop_node(1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("hot config change moves the outbound target up and down; bad configs are refused") {
  constexpr int kNodes = 6;
  Mesh mesh(kNodes);
  for (int i = 1; i < kNodes; ++i)
    mesh.start_node(i);
  mesh.start_node(0, [](node::ManagerConfig& c) { c.target_outbound = 1; });
  auto& m = *mesh.nodes[0];
  for (int i = 1; i < kNodes; ++i)
    m.add_peer(mesh.endpoint(i), peer::PeerSource::manual);
  CHECK(test::eventually([&] { return test::outbound_handshaked(m) == 1; }));

  auto cfg = test::mesh_node_config(test::mesh_ip(0), mesh.port);
  cfg.target_outbound = 4;
  REQUIRE(m.update_config(cfg) == std::nullopt);
  CHECK(test::eventually([&] { return test::outbound_handshaked(m) == 4; }));
  cfg.target_outbound = 2;
  REQUIRE(m.update_config(cfg) == std::nullopt);
  CHECK(test::eventually([&] { return test::outbound_handshaked(m) == 2; }));

  auto bad = cfg;
  bad.target_outbound = bad.max_connections + 1;
  CHECK(m.update_config(bad).has_value());
  bad = cfg;
  bad.connection.network = net::network_params(net::NetworkId::main);
  CHECK(m.update_config(bad).has_value());
}

TEST_CASE("graceful shutdown closes every connection and returns in time") {
  constexpr int kNodes = 8;
  Mesh mesh(kNodes);
  mesh.start_node(0, [](node::ManagerConfig& c) {
    c.max_connections = 200;
    c.target_outbound = 0;
  });
  auto& hub = *mesh.nodes[0];
  // Seven nodes with a high manual budget each dial the hub many times? A peer is dialled
  // once per endpoint, so each of them connects once; together with their own outbound to
  // each other this is a busy mesh.
  for (int i = 1; i < kNodes; ++i) {
    mesh.start_node(i);
    mesh.nodes[static_cast<std::size_t>(i)]->add_manual_peer(mesh.endpoint(0));
  }
  CHECK(test::eventually([&] { return hub.handshaked_count() == kNodes - 1; }));
  const auto started = std::chrono::steady_clock::now();
  hub.shutdown_and_wait();
  const auto took = std::chrono::steady_clock::now() - started;
  MESSAGE("shutdown with " << kNodes - 1 << " peers took "
                           << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                           << " ms");
  CHECK(hub.connection_count() == 0);
  mesh.nodes[0].reset();
}
