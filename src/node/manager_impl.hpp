#pragma once
// Manager::Impl: the Manager's state and the strand that wires its parts. Private to
// src/node/. Each job is a part with its own file; the decisions are pure classes in
// include/bsvpeer/node/, the code that acts on them is split by job:
//   manager.cpp           lifecycle (start, listeners, DNS seeding, persistence, shutdown),
//                         health, and the public API that only posts to the strand
//   manager_inbound.cpp   accepting a connection (inbound_admission.hpp: why refused?)
//   manager_outbound.cpp  automatic, seed and manual dials, failures and redials
//                         (redial_policy.hpp: when do we redial?)
//   manager_events.cpp    connection events: handshakes (inbound_address.hpp), ends
//   manager_gossip.cpp    addr, getaddr and inv (addr_gossip.hpp), self-advertisement
//   manager_bans.cpp      bans and unbans (ban_book.hpp)
//   manager_views.cpp     counts, per-peer copies and the figures read from other threads
// Everything here runs on `strand`, except what is under info_mutex or atomic.
#include <bsvpeer/conn/nonce_registry.hpp>
#include <bsvpeer/conn/peer_connection.hpp>
#include <bsvpeer/node/addr_filter.hpp>
#include <bsvpeer/node/connection_counts.hpp>
#include <bsvpeer/node/dns_seeder.hpp>
#include <bsvpeer/node/event_hub.hpp>
#include <bsvpeer/node/inbound_admission.hpp>
#include <bsvpeer/node/known_inventory.hpp>
#include <bsvpeer/node/listener.hpp>
#include <bsvpeer/node/manager.hpp>
#include <bsvpeer/node/network_health.hpp>
#include <bsvpeer/node/node_metrics.hpp>
#include <bsvpeer/node/peer_selector.hpp>
#include <bsvpeer/node/redial_policy.hpp>
#include <bsvpeer/node/seed_nodes.hpp>
#include <bsvpeer/node/slot_pool.hpp>
#include <bsvpeer/node/whitelist.hpp>
#include <bsvpeer/peer/peer_store_file.hpp>
#include <bsvpeer/peer/subnet.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace bsvpeer::node {

// Seconds since the epoch, as the store and the wire count time.
std::int64_t unix_now();

struct Manager::Impl : std::enable_shared_from_this<Manager::Impl> {
  using tcp = boost::asio::ip::tcp;

  struct PeerSnapshot {
    PeerInfo info;
    std::shared_ptr<conn::PeerConnection> connection;
  };

  // One connection, dialled or accepted, for as long as it lives.
  // What makes one connection's ConnectionConfig differ from config.connection. Connections
  // of one role share one config (connection_config()), not a copy each.
  struct ConnectionRole {
    bool outbound = false;
    bool restart = true;
    bool whitelisted = false;
    bool reject_after_handshake = false;
    bool addnode_peer = false;
    auto operator<=>(const ConnectionRole&) const = default;
  };

  struct Live {
    std::shared_ptr<conn::PeerConnection> connection;
    ConnectionRole role;
    std::optional<SlotToken> slot;
    SlotKind kind = SlotKind::inbound;
    std::string store_id;  // empty when the peer is not in the store
    std::string ip;
    // An inbound from our own address: several nodes may share it and its port is ephemeral,
    // so it is never matched to a peer we dial (see on_accept).
    bool same_host = false;
    // An outbound closed because the peer's own connection to us won: not a failure.
    bool duplicate = false;
    bool handshaked = false;
    bool getaddr_answered = false;
    wire::Version version;
    std::int64_t connected_since = 0;
    std::int64_t time_offset = 0;
    int misbehaviour = 0;
    KnownInventory known_inventory;
  };
  using Connections = std::map<std::uint64_t, Live>;

  Impl(boost::asio::any_io_executor executor, ManagerConfig cfg,
       std::shared_ptr<IoContextPool> connection_contexts, std::shared_ptr<peer::PeerStore> st);

  // manager.cpp: lifecycle, persistence, health
  void load_whitelist();
  void start();
  void start_listeners();
  // Where the next connection runs: a context of connection_contexts, else a strand of io.
  boost::asio::any_io_executor connection_executor();
  // config.connection as connections of `role` take it, shared by all of them.
  conn::PeerConnection::SharedConfig connection_config(const ConnectionRole& role);
  void stop_listeners();
  void start_dns_seeder();
  void shutdown(std::function<void()> done);
  void check_shutdown_done();
  void schedule_persist();
  void persist(bool force);
  void evaluate_health();
  void update_manual_copy();
  void apply_config(ManagerConfig cfg);

  // manager_outbound.cpp
  void fill_outbound();
  void dial_seed_nodes();
  void schedule_seed_timer();
  void schedule_refill();
  void schedule_manual();
  void request_refill(bool manual_too);
  void dial_manual_peers();
  void dial_once(const tcp::endpoint& endpoint);
  void dial(const tcp::endpoint& ep, SlotKind kind, SlotToken token, const std::string& store_id,
            bool one_shot = false);
  std::set<tcp::endpoint> busy_outbound_endpoints() const;
  void settle_deferred_failures();
  void record_failure(const std::string& store_id, conn::DisconnectReason reason,
                      const std::string& detail, bool was_connected);

  // manager_inbound.cpp
  void on_accept(tcp::socket socket, const tcp::endpoint& remote, const tcp::endpoint& local);
  bool connected_inbound(const std::string& ip) const;
  bool own_address(const std::string& ip) const;
  std::vector<tcp::endpoint> local_listen_endpoints() const;
  std::optional<tcp::endpoint> local_listen_endpoint() const;

  // manager_events.cpp
  conn::EventHandler event_handler();
  void on_connection_event(const conn::ConnectionEvent& e);
  void on_handshake(Live& live, const conn::PeerIdentity& peer, const wire::Version& version);
  void on_connection_end(Connections::iterator it, const conn::PeerIdentity& peer,
                         const conn::StateChanged& change);

  // manager_gossip.cpp
  void on_message(const conn::PeerIdentity& peer, Live& live, const wire::Message& message);
  void on_addr(const conn::PeerIdentity& peer, Live& live, const wire::Addr& addr);
  void advertise_self(Live& live, const conn::PeerIdentity& peer);

  // manager_bans.cpp
  void apply_ban(const std::string& ip, const std::string& reason, std::int64_t until);
  void apply_unban(const std::string& ip);
  void after_subnet_ban(const peer::Subnet& subnet, const std::string& reason, std::int64_t until);
  void after_unban(const std::vector<std::string>& ips, const std::string& what);
  void disconnect_if(const std::function<bool(const Live&)>& which);

  // manager_views.cpp
  void update_counts(std::optional<std::uint64_t> changed = std::nullopt);
  static PeerSnapshot snapshot_of(const Live& live);
  std::vector<std::shared_ptr<conn::PeerConnection>> live_connections() const;

  // --- state ----------------------------------------------------------------------------

  // Where connections run (empty: strands of `io`). Weak: its pending handlers may hold
  // connections, and the Manager must not keep its own executors alive.
  std::weak_ptr<IoContextPool> connection_contexts;
  // connection_config()'s, made on first use; emptied when the configuration changes.
  std::map<ConnectionRole, conn::PeerConnection::SharedConfig> connection_configs;
  boost::asio::any_io_executor io;
  boost::asio::strand<boost::asio::any_io_executor> strand;
  ManagerConfig config;
  // Read off the strand, so fixed at construction (the network never changes at run time).
  const wire::Magic network_magic;
  const std::chrono::milliseconds shutdown_timeout;
  const std::size_t event_queue_capacity;
  std::shared_ptr<peer::PeerStore> store;
  std::atomic<std::size_t> connection_count{0};     // connections holding a slot
  std::atomic<std::size_t> over_capacity_count{0};  // polite handshakes without a slot
  std::atomic<std::size_t> handshaked_count{0};
  std::atomic<std::size_t> min_connected_peers{1};
  std::shared_ptr<spdlog::logger> log;
  SlotPool slots;
  std::shared_ptr<conn::NonceRegistry> nonces;
  // Before the hub, which reports every event it publishes to it.
  std::shared_ptr<NodeMetrics> metrics = std::make_shared<NodeMetrics>();
  EventHub hub{[this](const NodeEvent& e) { metrics->observe(e); }};
  std::optional<peer::PeerStoreFile> store_file;
  std::uint64_t saved_generation = 0;
  std::vector<std::shared_ptr<Listener>> listeners;
  std::unique_ptr<DnsSeeder> seeder;
  Connections connections;
  ConnectionCounts counts;
  // Our dials (outbound and manual) among `connections`: an inbound is checked against these
  // alone for duplicates, not against every connection.
  std::set<std::uint64_t> dial_ids;
  std::set<tcp::endpoint> manual;
  RedialPolicy redial;
  InboundAdmission admission;
  Whitelist whitelist;
  SeedNodes seeds{config.seed_nodes};
  std::optional<boost::asio::steady_timer> seed_timer;
  boost::asio::steady_timer fill_timer, persist_timer, manual_timer, health_timer;
  PeerSelector selector;
  std::mt19937_64 relay_rng{std::random_device{}()};
  NetworkHealth health;
  AddrFilter addr_filter;
  std::uint64_t next_id = 1;
  bool stopping = false;
  bool refill_pending = false;
  bool refill_manual = false;
  bool refill_timer_armed = false;                 // schedule_refill's wait is pending
  std::optional<conn::TimePoint> health_timer_at;  // health_timer's pending deadline
  bool shutdown_finished = false;
  conn::TimePoint shutdown_deadline{};
  std::vector<std::function<void()>> shutdown_waiters;

  // Copies for readers on other threads.
  mutable std::mutex info_mutex;
  std::map<std::uint64_t, PeerSnapshot> snapshots;
  std::vector<tcp::endpoint> bound_endpoints;
  conn::MessageStats closed_traffic;  // of connections gone
  std::vector<tcp::endpoint> manual_copy;
};

}  // namespace bsvpeer::node
