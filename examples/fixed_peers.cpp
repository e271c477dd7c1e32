// fixed_peers: keep connections to a fixed list of peers and nothing else (like bitcoind's
// -connect): no DNS seeds, no addresses learnt from gossip, no listener. A peer that goes away
// is dialled again. Prints every connection change and, at the end, a table of the peers.
//
//   example_fixed_peers NETWORK SECONDS IP:PORT [IP:PORT...]
//   example_fixed_peers regtest 5 127.0.0.1:18444 127.0.0.2:18444
//
// Runs for SECONDS; exits 0 if every listed peer was connected at the end, 1 otherwise, 2 on
// bad usage.
#include <bsvpeer/net/address_text.hpp>
#include <bsvpeer/node/manager.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

using namespace bsvpeer;

int main(int argc, char** argv) {
  const auto network = net::parse_network(argc > 1 ? argv[1] : "");
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 0;
  if (argc < 4 || !network || seconds <= 0) {
    std::cerr << "usage: " << argv[0] << " main|test|stn|regtest SECONDS IP:PORT [IP:PORT...]\n";
    return 2;
  }
  node::ManagerConfig config;
  config.connection.network = net::network_params(*network);
  config.mode = node::OutboundMode::fixed;
  config.listen = false;
  for (int i = 3; i < argc; ++i) {
    const auto peer = net::parse_endpoint(argv[i], config.connection.network.default_port);
    if (!peer) {
      std::cerr << "not an ip[:port]: " << argv[i] << "\n";
      return 2;
    }
    config.fixed_peers.push_back(*peer);
  }
  if (auto why = node::manager_config_error(config)) {  // e.g. more peers than slots
    std::cerr << "bad configuration: " << *why << "\n";
    return 2;
  }

  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread network_thread([&] { io.run(); });
  auto manager = node::Manager::create(io.get_executor(), config);
  auto events = manager->subscribe(node::EventFilter::control);  // no message events
  manager->start();

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& event : events->wait(std::chrono::milliseconds(200)).events) {
      if (const auto* up = std::get_if<node::ConnectionEstablished>(&event)) {
        std::cout << "connected " << net::endpoint_text(up->peer.endpoint) << " "
                  << up->peer_version.user_agent << "\n";
      } else if (const auto* lost = std::get_if<node::ConnectionLost>(&event)) {
        std::cout << "lost " << net::endpoint_text(lost->peer.endpoint) << ": " << lost->reason
                  << "\n";
      } else if (const auto* failed = std::get_if<node::ConnectionFailed>(&event)) {
        std::cout << "failed " << net::endpoint_text(failed->peer.endpoint) << ": "
                  << failed->reason << " (dialled again later)\n";
      }
    }
  }

  // A snapshot of every connection, readable from any thread.
  std::size_t connected = 0;
  std::cout << "peers after " << seconds << " s:\n";
  for (const auto& p : manager->peers()) {
    if (p.state == conn::PeerState::connected) ++connected;
    std::cout << "  " << net::endpoint_text(p.identity.endpoint) << " " << p.state << " ping "
              << p.last_ping_us << " us, " << p.bytes_received << " bytes in\n";
  }
  std::cout << connected << " of " << config.fixed_peers.size() << " fixed peers connected\n";

  manager->shutdown_and_wait();
  work.reset();
  io.stop();
  network_thread.join();
  return connected == config.fixed_peers.size() ? 0 : 1;
}
