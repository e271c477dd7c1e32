#pragma once
// The Manager: one actor (its own strand) that owns the node's connections. It reserves a
// slot before a PeerConnection exists (released exactly once, whatever happens), dials peers by
// policy (normal: store + DNS + gossip; fixed: a given list), keeps manual peers connected,
// accepts inbound connections (one connection per peer when both ends dial: duplicate_rule.hpp),
// bans, relays addresses and inventory, watches the network's health, persists the PeerStore,
// and fans every event out through the EventHub.
#include <bsvpeer/conn/message_stats.hpp>
#include <bsvpeer/conn/nonce_registry.hpp>
#include <bsvpeer/conn/peer_connection.hpp>
#include <bsvpeer/node/event_hub.hpp>
#include <bsvpeer/node/io_context_pool.hpp>
#include <bsvpeer/node/manager_config.hpp>
#include <bsvpeer/node/node_metrics.hpp>
#include <bsvpeer/peer/peer_store.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace bsvpeer::node {

// One connection as snapshot() reports it (getpeerinfo's source).
struct PeerInfo {
  conn::PeerIdentity identity;
  conn::PeerState state = conn::PeerState::disconnected;
  bool manual = false;
  bool whitelisted = false;  // -whitelist (getpeerinfo's "whitelisted")
  std::string user_agent;
  std::int32_t version = 0;
  std::uint64_t services = 0;
  std::int32_t start_height = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::int64_t last_ping_us = -1;
  std::int64_t min_ping_us = -1;
  std::int64_t connected_since = 0;  // unix seconds
  int misbehaviour = 0;
  // What getpeerinfo shows besides (bitcoind's field in brackets).
  conn::MessageStats traffic;        // [bytessent_per_msg, bytesrecv_per_msg]
  std::int64_t last_send = 0;        // [lastsend] unix seconds, 0: never
  std::int64_t last_receive = 0;     // [lastrecv]
  std::int64_t time_offset = 0;      // [timeoffset] the peer's version time minus ours, seconds
  bool relay = true;                 // [relaytxes] the relay flag of its version
  std::string store_id;              // its PeerStore record, empty when none
  std::size_t send_queue_bytes = 0;  // [sendsize]
  bool send_paused = false;          // [pausesend, pauserecv]
  std::uint64_t receive_rate_minute = 0;  // [avgrecvbw] bytes/s over the last full minute
  std::uint64_t receive_rate_second = 0;  // [spotrecvbw] bytes in the last full second
};

struct HealthSnapshot {
  std::size_t inbound = 0;
  std::size_t outbound = 0;  // automatic + manual
  std::size_t handshaked = 0;
  peer::StatusCounts store;
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::int64_t mean_ping_us = -1;
  std::int64_t min_ping_us = -1;
  bool isolated = false;
};

class Manager : public std::enable_shared_from_this<Manager> {
 public:
  using tcp = boost::asio::ip::tcp;

  // Throws std::invalid_argument when manager_config_error(config) says why; validate user
  // input first. `store` may be shared with other users (crawler, RPC); null: a fresh one.
  // `connection_contexts`: where the connections run, each on one of its contexts in turn;
  // null: each on a strand of `executor`. Not kept alive by the Manager: the caller keeps it
  // running until shutdown() is done, then stops it, and destroys it after the Manager and the
  // Manager's io_context (the connections' sockets belong to its contexts).
  static std::shared_ptr<Manager> create(
      boost::asio::any_io_executor executor, ManagerConfig config,
      std::shared_ptr<peer::PeerStore> store = nullptr,
      std::shared_ptr<IoContextPool> connection_contexts = nullptr);
  ~Manager();

  void start();
  // Graceful and bounded: stops accepting, closes every connection, persists the store, then
  // calls `done` (on the manager's strand), at the latest after config.shutdown_timeout.
  void shutdown(std::function<void()> done = {});
  // For a thread outside the io_context: shutdown() and wait for it (bounded).
  void shutdown_and_wait();

  // Validated here, applied on the strand: slot limits, connection settings for live and new
  // connections, listener endpoints (restarted when they change), target changes.
  std::optional<std::string> update_config(ManagerConfig config);

  std::shared_ptr<Subscription> subscribe(EventFilter filter = EventFilter::all,
                                          std::size_t capacity = 0 /* config default */);

  // Commands, posted to the manager's strand.
  void send_message(std::uint64_t peer_id, wire::Message message);
  void broadcast(wire::Message message);  // every handshaked peer; inv deduplicated per peer
  void add_peer(const tcp::endpoint& endpoint, peer::PeerSource source);
  void add_manual_peer(const tcp::endpoint& endpoint);  // like RPC addnode add
  void remove_manual_peer(const tcp::endpoint& endpoint);
  void disconnect(std::uint64_t peer_id);
  // Bans `ip` (every port) until now + duration and closes its connections.
  std::optional<std::string> ban(const std::string& ip, const std::string& reason,
                                 std::chrono::seconds duration);
  std::optional<std::string> unban(const std::string& ip);
  // Bans every address of `subnet` (peer::Subnet's forms: "1.2.3.4", "1.2.3.0/24", ...) until
  // `until` (unix seconds): connections inside are closed, none is accepted or dialled, and the
  // ban is saved with the store. Replaces a ban of the same subnet.
  std::optional<std::string> ban_subnet(const std::string& subnet, const std::string& reason,
                                        std::int64_t until);
  // Lifts the ban of exactly this subnet (and, for one address, the bans of its records); an
  // error when there was none. Bans change in the store before these return.
  std::optional<std::string> unban_subnet(const std::string& subnet);
  // Lifts every ban: subnets and records.
  void clear_bans();
  // The peers kept connected (-addnode, add_manual_peer; -connect's in fixed mode).
  std::vector<tcp::endpoint> manual_peers() const;
  // Dials `endpoint` once on a manual slot (RPC addnode onetry): not redialled when it ends.
  void connect_once(const tcp::endpoint& endpoint);
  // Ping every handshaked peer now (RPC ping).
  void ping_all();

  // Readable from any thread.
  // Connections holding a slot: never above max_connections.
  std::size_t connection_count() const noexcept;
  std::size_t handshaked_count() const noexcept;
  // Inbound connections accepted without a slot, being handshaked politely before they close
  // (at most a small fixed number at once).
  std::size_t over_capacity_count() const noexcept;
  std::vector<PeerInfo> peers() const;
  // Messages and bytes per command of every connection ever: closed ones folded in when they
  // closed, plus the live ones now.
  conn::MessageStats traffic_totals() const;
  HealthSnapshot health() const;
  std::shared_ptr<peer::PeerStore> store() const noexcept { return store_; }
  std::vector<tcp::endpoint> listening_endpoints() const;
  std::size_t slot_high_water() const noexcept;
  // Counters since start and gauges read now, for /metrics (metric_families()).
  NodeMetricsSnapshot metrics() const;

  struct Impl;

 private:
  Manager(boost::asio::any_io_executor executor, ManagerConfig config,
          std::shared_ptr<IoContextPool> connection_contexts,
          std::shared_ptr<peer::PeerStore> store);

  std::shared_ptr<peer::PeerStore> store_;
  // Shared with the handlers it posts, so work in flight never outlives its state.
  std::shared_ptr<Impl> impl_;
};

}  // namespace bsvpeer::node
