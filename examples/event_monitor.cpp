// event_monitor: print every event a Manager publishes, control events (connections, bans,
// listener, discovery, network health) and message events (every message a peer sent).
//
//   example_event_monitor NETWORK SECONDS [--listen IP:PORT] [IP:PORT...]
//   example_event_monitor regtest 10 --listen 127.0.0.1:18555 127.0.0.1:18444
//   example_event_monitor main 60              # no peers given: the network's DNS seeds
//
// With peers: fixed-peer mode (only those). Without: the normal mode, which finds peers through
// the network's DNS seeds and address gossip. Runs for SECONDS; exits 0, or 2 on bad usage.
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

namespace {

std::string who(const conn::PeerIdentity& p) {
  return net::endpoint_text(p.endpoint) + " " + std::string(conn::to_string(p.direction)) + " #" +
         std::to_string(p.id);
}

void print(const node::NodeEvent& event) {
  std::visit(
      [](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, node::ConnectionEstablished>) {
          std::cout << "established " << who(e.peer) << " " << e.peer_version.user_agent
                    << " version " << e.peer_version.version << "\n";
        } else if constexpr (std::is_same_v<T, node::ConnectionFailed>) {
          std::cout << "failed " << who(e.peer) << " " << e.reason << " " << e.detail << "\n";
        } else if constexpr (std::is_same_v<T, node::ConnectionLost>) {
          std::cout << "lost " << who(e.peer) << " " << e.reason << " " << e.detail << "\n";
        } else if constexpr (std::is_same_v<T, node::ConnectionRejected>) {
          std::cout << "rejected " << net::endpoint_text(e.endpoint) << " " << e.why << "\n";
        } else if constexpr (std::is_same_v<T, node::PeerBanned>) {
          std::cout << "banned " << e.ip << " " << e.reason << " until " << e.until << "\n";
        } else if constexpr (std::is_same_v<T, node::PeerUnbanned>) {
          std::cout << "unbanned " << e.ip << "\n";
        } else if constexpr (std::is_same_v<T, node::ListenerUp>) {
          std::cout << "listening " << net::endpoint_text(e.endpoint) << "\n";
        } else if constexpr (std::is_same_v<T, node::ListenerDown>) {
          std::cout << "listener down " << net::endpoint_text(e.endpoint) << " " << e.why << "\n";
        } else if constexpr (std::is_same_v<T, node::DiscoveryResult>) {
          std::cout << "discovery " << e.source << " found " << e.found << " added " << e.added
                    << (e.error.empty() ? "" : " error " + e.error) << "\n";
        } else if constexpr (std::is_same_v<T, node::NetworkIsolated>) {
          std::cout << "isolated " << e.connected << " of at least " << e.minimum << " peers\n";
        } else if constexpr (std::is_same_v<T, node::NetworkRecovered>) {
          std::cout << "recovered " << e.connected << " peers\n";
        } else if constexpr (std::is_same_v<T, node::MessageEvent>) {
          std::cout << "message " << who(e.peer) << " " << wire::command_of(e.message);
          if (const auto* addr = std::get_if<wire::Addr>(&e.message)) {
            std::cout << " (" << addr->entries.size() << " addresses)";
          } else if (const auto* inv = std::get_if<wire::Inv>(&e.message)) {
            std::cout << " (" << inv->items.size() << " items)";
          }
          std::cout << "\n";
        }
      },
      event);
}

}  // namespace

int main(int argc, char** argv) {
  const auto network = net::parse_network(argc > 1 ? argv[1] : "");
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 0;
  if (argc < 3 || !network || seconds <= 0) {
    std::cerr << "usage: " << argv[0]
              << " main|test|stn|regtest SECONDS [--listen IP:PORT] [IP:PORT...]\n";
    return 2;
  }
  node::ManagerConfig config;
  config.connection.network = net::network_params(*network);
  config.listen = false;
  for (int i = 3; i < argc; ++i) {
    const bool listen = std::string(argv[i]) == "--listen" && i + 1 < argc;
    const auto endpoint =
        net::parse_endpoint(argv[listen ? ++i : i], config.connection.network.default_port);
    if (!endpoint) {
      std::cerr << "not an ip[:port]: " << argv[i] << "\n";
      return 2;
    }
    if (listen) {
      config.listen = true;
      config.listen_endpoints.push_back(*endpoint);
    } else {
      config.mode = node::OutboundMode::fixed;
      config.fixed_peers.push_back(*endpoint);
    }
  }

  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread network_thread([&] { io.run(); });
  auto manager = node::Manager::create(io.get_executor(), config);
  auto events = manager->subscribe(node::EventFilter::all);
  manager->start();

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    auto batch = events->wait(std::chrono::milliseconds(200));
    // A subscriber that falls behind loses the oldest events, never slows the node.
    if (batch.lost > 0) std::cout << "(" << batch.lost << " events lost: too slow)\n";
    for (const auto& event : batch.events)
      print(event);
    std::cout.flush();
  }

  manager->shutdown_and_wait();
  for (const auto& event : events->poll().events)  // the goodbyes of the shutdown
    print(event);
  work.reset();
  io.stop();
  network_thread.join();
  return 0;
}
