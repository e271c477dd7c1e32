#pragma once
// Managers on their own loopback addresses (127.0.0.x), all on one port, in one process: a
// local mesh. Every node listens on its address and dials from it, so each end sees the
// other's real IP (a node's inbound peers enter its store only where they announce they
// listen: node/inbound_address.hpp).
#include <bsvpeer/node/manager.hpp>

#include <spdlog/sinks/stdout_sinks.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <thread>

namespace bsvpeer::test {

inline std::uint16_t random_mesh_port() {
  std::random_device rd;
  return static_cast<std::uint16_t>(20000 + rd() % 20000);
}

inline node::ManagerConfig mesh_node_config(const std::string& ip, std::uint16_t port) {
  using namespace std::chrono_literals;
  node::ManagerConfig c;
  c.connection.network = net::network_params(net::NetworkId::regtest);
  c.connection.network.default_port = port;
  c.connection.policy.ping_interval = 500ms;
  c.connection.policy.handshake_timeout = 5s;
  c.connection.connect_timeout = 2s;
  c.connection.restart.enabled = false;  // the Manager re-dials by its own policy
  const auto address = boost::asio::ip::make_address(ip);
  c.listen_endpoints = {{address, port}};
  c.outbound_bind_address = address;
  c.listen_retry = 200ms;
  c.max_connections = 12;
  c.target_outbound = 3;
  c.dns_seed = false;
  c.addr_required_services = 0;  // our nodes advertise no services
  c.min_connected_peers = 1;
  c.isolation_grace = 0ms;
  c.dial_backoff.initial_delay = 50ms;
  c.dial_backoff.max_delay = 500ms;
  c.dial_backoff.inaccessible_delay = 1s;
  c.manual_retry = 200ms;
  c.shutdown_timeout = 5s;
  // BSVPEER_TEST_LOG=debug (or trace, info) shows every node's log on stderr.
  if (const char* level = std::getenv("BSVPEER_TEST_LOG")) {
    auto log = std::make_shared<spdlog::logger>("node " + ip,
                                                std::make_shared<spdlog::sinks::stderr_sink_mt>());
    log->set_level(spdlog::level::from_str(level));
    log->set_pattern("%H:%M:%S.%e [%n] %l %v");
    c.logger = log;
    c.connection.logger = log;
  }
  return c;
}

inline std::string mesh_ip(int i) {
  return "127.0.0." + std::to_string(2 + i);
}

// Polls `pred` every 20 ms up to `bound`; the bound only keeps a broken test from hanging.
inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds bound = std::chrono::seconds(60)) {
  const auto until = std::chrono::steady_clock::now() + bound;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

inline std::size_t outbound_handshaked(const node::Manager& m) {
  std::size_t n = 0;
  for (const auto& p : m.peers()) {
    n += p.identity.direction == conn::Direction::outbound && p.state == conn::PeerState::connected
             ? 1
             : 0;
  }
  return n;
}

}  // namespace bsvpeer::test
