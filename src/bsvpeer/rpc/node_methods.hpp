#pragma once
// The methods of the bsvpeer RPC: SV Node 1.2.2's network and control methods (names,
// parameters, result fields and types as in SV's src/rpc/net.cpp and server.cpp, with our own
// fields added) and bsvpeer's own (getpeerstore, getnodehealth, reloadconfig).
#include "dispatcher.hpp"

#include <bsvpeer/node/manager.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace bsvpeer::program::rpc {

// What the methods read that the Manager does not know; kept current by the program (a reload
// may change it), read from any thread.
struct NodeFacts {
  std::string user_agent;
  std::uint64_t local_services = 0;
  std::uint16_t default_port = 0;
  std::chrono::seconds default_ban_time{24 * 60 * 60};
  std::size_t max_connections = 0;
  std::size_t target_outbound = 0;
  std::size_t max_manual = 0;
  std::size_t min_connected_peers = 0;
  std::string network;
};

struct NodeContext {
  std::shared_ptr<node::Manager> manager;
  std::function<NodeFacts()> facts;
  std::int64_t start_time = 0;  // unix seconds
  // Starts the graceful stop (as SIGTERM); called after the reply is produced.
  std::function<void()> request_stop;
  // Re-reads the options and the config file and applies them (as SIGHUP); an error text when
  // refused.
  std::function<std::optional<std::string>()> reload;
};

// bitcoind's CLIENT_VERSION encoding of our version (0.1.0 -> 100).
inline constexpr int kClientVersion = 100;

void add_node_methods(Dispatcher& dispatcher, NodeContext context);

}  // namespace bsvpeer::program::rpc
