// Chaos on a local mesh: random disconnects, nodes stopped and restarted, concurrent config
// updates and bans, for BSVPEER_CHAOS_SECONDS (default 20). Afterwards every node is back at
// its target, no slot count ever passed its maximum, and (under ASan) nothing leaked.
#include "support/io_runner.hpp"
#include "support/mesh.hpp"

#include <bsvpeer/node/manager.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <thread>

using namespace bsvpeer;
using namespace std::chrono_literals;

TEST_CASE("chaos on an 8-node mesh: disconnects, restarts, config updates, bans") {
  constexpr int kNodes = 8;
  constexpr std::size_t kTarget = 2;
  constexpr std::size_t kMax = 8;
  const char* env = std::getenv("BSVPEER_CHAOS_SECONDS");
  const auto duration = std::chrono::seconds(env ? std::atoi(env) : 20);
  test::IoRunner io(2);
  const auto port = test::random_mesh_port();
  auto config_of = [&](int i, std::size_t target) {
    auto c = test::mesh_node_config(test::mesh_ip(i), port);
    c.target_outbound = target;
    c.max_connections = kMax;
    return c;
  };
  auto endpoint = [&](int i) {
    return boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address(test::mesh_ip(i)), port);
  };
  std::vector<std::shared_ptr<node::Manager>> nodes(kNodes);
  auto start = [&](int i) {
    nodes[static_cast<std::size_t>(i)] =
        node::Manager::create(io.context().get_executor(), config_of(i, kTarget));
    nodes[static_cast<std::size_t>(i)]->start();
    for (int k = 1; k < kNodes; ++k) {
      nodes[static_cast<std::size_t>(i)]->add_peer(endpoint((i + k) % kNodes),
                                                   peer::PeerSource::manual);
    }
  };
  for (int i = 0; i < kNodes; ++i)
    start(i);

  std::atomic<bool> running{true};
  std::atomic<std::size_t> max_slots{0};
  std::thread sampler([&] {
    while (running) {
      // Node 0 is never replaced, so it is the one read from this thread.
      max_slots = std::max<std::size_t>(max_slots, nodes[0]->connection_count());
      std::this_thread::sleep_for(2ms);
    }
  });

  std::mt19937 rng(20261122);
  std::size_t actions = 0, restarts = 0, updates = 0, disconnects = 0, bans = 0;
  const auto until = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < until) {
    const int victim = 1 + static_cast<int>(rng() % (kNodes - 1));
    auto& node = nodes[static_cast<std::size_t>(victim)];
    switch (rng() % 4) {
      case 0:  // drop every connection of one node
        for (const auto& p : node->peers())
          node->disconnect(p.identity.id);
        ++disconnects;
        break;
      case 1:  // stop and restart a node (a "process kill" within this process)
        node->shutdown_and_wait();
        start(victim);
        ++restarts;
        break;
      case 2: {  // hot config change on node 0 and on the victim, concurrently with traffic
        const std::size_t target = 1 + rng() % 3;
        REQUIRE(nodes[0]->update_config(config_of(0, target)) == std::nullopt);
        REQUIRE(node->update_config(config_of(victim, 1 + rng() % 3)) == std::nullopt);
        ++updates;
        break;
      }
      case 3:  // a short ban and unban of one node's address on node 0
        REQUIRE(nodes[0]->ban(test::mesh_ip(victim), "chaos", 1h) == std::nullopt);
        std::this_thread::sleep_for(20ms);
        REQUIRE(nodes[0]->unban(test::mesh_ip(victim)) == std::nullopt);
        ++bans;
        break;
    }
    ++actions;
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 150));
  }
  // Calm: every node back on the same target; the mesh must settle there.
  for (int i = 0; i < kNodes; ++i) {
    REQUIRE(nodes[static_cast<std::size_t>(i)]->update_config(config_of(i, kTarget)) ==
            std::nullopt);
  }
  // At its target, or connected (either way) to every other node: then no peer is left to
  // dial, since a peer connected inbound is never dialled again.
  auto all_at_target = [&] {
    for (auto& n : nodes) {
      if (test::outbound_handshaked(*n) < kTarget && n->handshaked_count() < kNodes - 1) {
        return false;
      }
    }
    return true;
  };
  CHECK(test::eventually(all_at_target, 60s));
  running = false;
  sampler.join();
  MESSAGE("chaos: " << actions << " actions (" << disconnects << " disconnects, " << restarts
                    << " restarts, " << updates << " config updates, " << bans
                    << " ban/unban), max slots on node 0: " << max_slots.load());
  CHECK(max_slots <= kMax);
  for (auto& n : nodes) {
    CHECK(n->slot_high_water() <= kMax);
    n->shutdown_and_wait();
    CHECK(n->connection_count() == 0);
  }
}
