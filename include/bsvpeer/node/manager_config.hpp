#pragma once
// Configuration of a Manager: connection defaults, slots, outbound policy (normal or fixed
// peer list), manual peers, listeners, discovery, persistence, inbound protection and health.
#include <bsvpeer/conn/connection_config.hpp>
#include <bsvpeer/conn/connection_event.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <spdlog/logger.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace bsvpeer::node {

enum class OutboundMode {
  normal,  // pick peers from the store, DNS seeds, addr gossip
  fixed,   // only `fixed_peers` (like -connect): no DNS, no gossip-driven dialling
};

struct ManagerConfig {
  conn::ConnectionConfig connection;

  // Slots: inbound and outbound together never exceed max_connections; automatic outbound
  // aims at target_outbound; inbound may use what outbound does not reserve.
  std::size_t max_connections = 125;
  std::size_t target_outbound = 8;
  std::size_t max_manual = 8;

  OutboundMode mode = OutboundMode::normal;
  std::vector<boost::asio::ip::tcp::endpoint> fixed_peers;   // -connect
  std::vector<boost::asio::ip::tcp::endpoint> manual_peers;  // -addnode: kept connected
  std::chrono::milliseconds manual_retry = std::chrono::seconds(60);
  // -seednode (normal mode): one-shot peers dialled once on a free automatic outbound slot,
  // asked for addresses and left when their addr arrives, or after seed_node_timeout
  // (node/seed_nodes.hpp).
  std::vector<boost::asio::ip::tcp::endpoint> seed_nodes;
  std::chrono::milliseconds seed_node_timeout = std::chrono::minutes(2);
  // At most one automatic outbound per /16 (IPv4) or /32 (IPv6); loopback and private ranges
  // are exempt so local meshes work.
  bool one_outbound_per_netgroup = true;
  // Source address for outbound sockets (a local mesh gives every node its own 127.0.0.x).
  std::optional<boost::asio::ip::address> outbound_bind_address;

  bool listen = true;
  std::vector<boost::asio::ip::tcp::endpoint> listen_endpoints;  // empty: [::]:network port
  std::chrono::milliseconds listen_retry = std::chrono::seconds(5);
  std::vector<std::string> inbound_allowlist;  // IPs or CIDRs; empty: everyone
  std::size_t max_inbound_per_ip = 0;          // 0: unlimited (SV's default)
  double max_accepts_per_second = 0;           // 0: unlimited
  // -whitelist: IPs or CIDRs whose inbound peers are trusted as SV trusts them: never refused
  // for a ban, exempt from max_inbound_per_ip and the accept rate, scored but never punished,
  // allowed to send mempool (node/whitelist.hpp). They still take a slot.
  std::vector<std::string> whitelist;

  // DNS seeds (normal mode only).
  bool dns_seed = true;
  std::vector<std::string> dns_seeds;    // empty: the network's seeds
  std::vector<std::string> dns_servers;  // "ip:port"; empty: the system's resolvers
  std::chrono::milliseconds dns_interval = std::chrono::hours(1);
  std::chrono::milliseconds dns_timeout = std::chrono::seconds(5);

  // Address gossip.
  bool getaddr_on_outbound = true;
  std::uint64_t addr_required_services = 1;  // NODE_NETWORK; 0 accepts every entry

  // Persistence: empty path = in memory only.
  std::filesystem::path store_path;
  std::chrono::milliseconds persist_interval = std::chrono::minutes(5);

  // Health: an event when fewer handshaked peers than this remain (and when it recovers).
  std::size_t min_connected_peers = 1;
  std::chrono::milliseconds isolation_grace = std::chrono::seconds(30);

  // Automatic outbound dials are spread out by this backoff per peer.
  conn::BackoffConfig dial_backoff;

  std::size_t event_queue_capacity = 10'000;
  // Diagnostics tap: every raw event of every connection, called on that connection's strand
  // (so it must be thread-safe and quick), before the Manager sees it. The bsvpeer program
  // logs through it; most users want subscribe() instead.
  conn::EventHandler connection_observer;
  std::chrono::milliseconds shutdown_timeout = std::chrono::seconds(5);
  std::shared_ptr<spdlog::logger> logger;
};

// nullopt when usable; otherwise what is wrong (target above max, timers, connection config).
std::optional<std::string> manager_config_error(const ManagerConfig& config);

}  // namespace bsvpeer::node
