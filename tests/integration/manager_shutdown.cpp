// Graceful shutdown with hundreds of peers connected: every connection is closed by the
// manager and the store is persisted. The time it took is printed, not asserted (the bound is
// ManagerConfig::shutdown_timeout, 5 s by default).
#include "support/event_log.hpp"
#include "support/io_runner.hpp"
#include "support/mesh.hpp"

#include <bsvpeer/conn/peer_connection.hpp>
#include <bsvpeer/node/manager.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <sys/resource.h>

using namespace bsvpeer;
using namespace std::chrono_literals;

TEST_CASE("shutdown with 300 handshaked peers closes them all and returns within its bound") {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
  constexpr int kPeers = 300;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("bsvpeer-shutdown-" + std::to_string(test::random_mesh_port()));
  std::filesystem::create_directories(dir);
  const auto port = test::random_mesh_port();

  test::IoRunner server_io(2);
  auto cfg = test::mesh_node_config("127.0.0.2", port);
  cfg.max_connections = kPeers + 10;
  cfg.target_outbound = 0;
  cfg.store_path = dir / "peers.json";
  auto manager = node::Manager::create(server_io.context().get_executor(), cfg);
  manager->start();
  REQUIRE(test::eventually([&] { return !manager->listening_endpoints().empty(); }));

  // The peers: our own actors in a second io_context, each on its own source address block.
  test::IoRunner client_io(1);
  test::EventLog events;
  std::vector<std::shared_ptr<conn::PeerConnection>> clients;
  conn::ConnectionConfig client_cfg;
  client_cfg.network = cfg.connection.network;
  client_cfg.restart.enabled = false;
  const boost::asio::ip::tcp::endpoint target(boost::asio::ip::make_address("127.0.0.2"), port);
  for (int i = 0; i < kPeers; ++i) {
    client_cfg.local_address =
        boost::asio::ip::make_address("127.0.1." + std::to_string(1 + i % 250));
    auto c = conn::PeerConnection::outbound(client_io.context().get_executor(), target, client_cfg,
                                            events.handler(), nullptr, 1 + i);
    c->start();
    clients.push_back(c);
  }
  REQUIRE(test::eventually([&] { return manager->handshaked_count() == kPeers; }, 60s));

  const auto started = std::chrono::steady_clock::now();
  manager->shutdown_and_wait();
  const auto took = std::chrono::steady_clock::now() - started;
  MESSAGE("shutdown with " << kPeers << " handshaked peers took "
                           << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                           << " ms");
  CHECK(manager->connection_count() == 0);
  CHECK(std::filesystem::exists(dir / "peers.json"));
  // Every peer saw its connection end.
  CHECK(test::eventually([&] {
    for (const auto& c : clients) {
      if (!c->finished()) return false;
    }
    return true;
  }));
  // Closed by the manager, one by one, not dropped by a forced teardown of the io_context.
  const auto ev = events.snapshot();
  for (int i = 0; i < kPeers; ++i) {
    auto end = test::final_state(ev, 1 + i);
    REQUIRE(end);
    CHECK(end->reason == conn::DisconnectReason::peer_closed);
  }
  manager.reset();
  std::filesystem::remove_all(dir);
}
