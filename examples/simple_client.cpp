// simple_client: connect to one peer, ask it for addresses (getaddr) and print its answer.
//
//   example_simple_client IP:PORT [NETWORK] [SECONDS]
//   example_simple_client 127.0.0.1:18444 regtest 10
//
// NETWORK is main (default), test, stn or regtest. Exits 0 once an addr answer arrived, 1 if
// the peer could not be reached or did not answer within SECONDS (default 30), 2 on bad usage.
#include <bsvpeer/net/address_text.hpp>
#include <bsvpeer/node/manager.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

using namespace bsvpeer;

int main(int argc, char** argv) {
  const auto network = net::parse_network(argc > 2 ? argv[2] : "main");
  const int seconds = argc > 3 ? std::atoi(argv[3]) : 30;
  if (argc < 2 || argc > 4 || !network || seconds <= 0) {
    std::cerr << "usage: " << argv[0] << " IP:PORT [main|test|stn|regtest] [SECONDS]\n";
    return 2;
  }
  const auto& params = net::network_params(*network);
  const auto peer = net::parse_endpoint(argv[1], params.default_port);
  if (!peer) {
    std::cerr << "not an ip[:port]: " << argv[1] << "\n";
    return 2;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);

  // Fixed-peer mode: dial only this peer; no listener, no DNS seeds.
  node::ManagerConfig config;
  config.connection.network = params;
  config.mode = node::OutboundMode::fixed;
  config.fixed_peers = {*peer};
  config.listen = false;

  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread network_thread([&] { io.run(); });
  auto manager = node::Manager::create(io.get_executor(), config);
  auto events = manager->subscribe();  // before start(): no event is missed
  manager->start();

  int exit_code = 1;
  bool done = false;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    for (const auto& event : events->wait(std::chrono::milliseconds(200)).events) {
      if (const auto* up = std::get_if<node::ConnectionEstablished>(&event)) {
        std::cout << "connected to " << net::endpoint_text(up->peer.endpoint) << " ("
                  << up->peer_version.user_agent << ", version " << up->peer_version.version
                  << "); sending getaddr\n";
        manager->send_message(up->peer.id, wire::GetAddr{});
      } else if (const auto* failed = std::get_if<node::ConnectionFailed>(&event)) {
        std::cout << "could not connect: " << failed->reason << " " << failed->detail << "\n";
        done = true;
      } else if (const auto* m = std::get_if<node::MessageEvent>(&event)) {
        if (const auto* addr = std::get_if<wire::Addr>(&m->message)) {
          std::cout << "addr answer with " << addr->entries.size() << " addresses\n";
          for (const auto& entry : addr->entries) {
            std::cout << "  " << entry.addr.ip_string() << ":" << entry.addr.port << " services "
                      << entry.addr.services << "\n";
          }
          exit_code = 0;
          done = true;
        }
      }
    }
  }
  if (!done) std::cout << "no addr answer in time\n";

  manager->shutdown_and_wait();  // closes the connection politely
  work.reset();
  io.stop();
  network_thread.join();
  return exit_code;
}
