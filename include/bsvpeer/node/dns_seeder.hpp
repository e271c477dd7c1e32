#pragma once
// DNS seed discovery (bsv-protocol.md §1.2, §9.3): asks every seed of the network for A and AAAA
// records through an AresResolver on the event loop, turns the answers into endpoints with the
// network's default port, drops duplicates and the endpoints the owner does not want (banned or
// already known), and reports what each seed did. A round runs at start() and then every
// `interval` (one hour by default); run_once() adds a round on demand.
//
// The seeder is an actor: its state lives on one strand, built on the executor it is given, and
// every handler runs there. Pass the Manager's strand as that executor and the handlers run
// serialized with the Manager's own state, so should_skip can read the ban list and the store
// without a lock.
//
// SV seeds only in normal mode (-dnsseed=1); -connect soft-sets -dnsseed=0. The Manager mirrors
// that by setting `enabled` to false (or never starting the seeder) in fixed-peer mode.
#include <bsvpeer/net/network.hpp>
#include <bsvpeer/node/ares_resolver.hpp>
#include <bsvpeer/node/resolve_result.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <spdlog/logger.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bsvpeer::node {

struct DnsSeederConfig {
  std::vector<std::string> seeds;  // host names, queried in parallel
  std::uint16_t port = 0;          // every discovered endpoint gets the network's default port
  // Servers, per-try timeout and tries; its logger is replaced by `logger` below.
  AresResolverConfig resolver;
  std::chrono::milliseconds interval{std::chrono::hours(1)};  // from the end of one round
  bool enabled = true;  // false: start() and run_once() do nothing (-dnsseed=0, -connect)
  // Null: a logger with no sinks. The library never touches spdlog's global state.
  std::shared_ptr<spdlog::logger> logger;
};

// The network's seeds and default port (bsv-protocol.md §1.2); regtest has no seeds.
DnsSeederConfig dns_seeder_config(net::NetworkId network);
DnsSeederConfig dns_seeder_config(const net::NetworkParams& network);

// nullopt when usable; otherwise what is wrong.
std::optional<std::string> config_error(const DnsSeederConfig& config);

// What one seed gave in one round.
struct SeedOutcome {
  std::uint64_t round = 0;
  std::string seed;
  ResolveStatus status = ResolveStatus::error;  // ok, nxdomain, timeout, ... (resolve_result.hpp)
  std::string message;                          // the resolver's text, for logs
  std::size_t resolved = 0;                     // distinct addresses in the answer
  std::size_t duplicates = 0;                   // already given by another seed this round
  std::size_t skipped = 0;                      // refused by should_skip (banned or known)
  std::size_t discovered = 0;                   // handed to on_discovered
  int timeouts = 0;                             // tries that timed out on the way
  std::chrono::milliseconds elapsed{0};
};

// One finished round: every seed's outcome, in the order of the seed list.
struct SeedRound {
  std::uint64_t round = 0;  // 1 for the first
  std::vector<SeedOutcome> outcomes;
  std::size_t discovered = 0;  // sum over the outcomes
  std::chrono::milliseconds elapsed{0};
};

// Every handler runs on the seeder's strand; any of them may be empty.
struct DnsSeederHandlers {
  using tcp = boost::asio::ip::tcp;
  // True drops the endpoint (the Manager passes "banned or already known").
  std::function<bool(const tcp::endpoint&)> should_skip;
  // The new endpoints of one seed's answer; never called with an empty list.
  std::function<void(std::vector<tcp::endpoint> endpoints, std::string seed)> on_discovered;
  std::function<void(const SeedOutcome&)> on_outcome;  // after the seed's on_discovered
  std::function<void(const SeedRound&)> on_round;      // after the round's last on_outcome
  // Once, when stop() has run and no lookup is left in flight; nothing is called after it.
  std::function<void()> on_stopped;
};

class DnsSeeder {
 public:
  using tcp = boost::asio::ip::tcp;

  // Throws std::invalid_argument when config_error(config) reports a problem, and
  // std::runtime_error when c-ares cannot set up its channel. Nothing runs before start().
  DnsSeeder(boost::asio::any_io_executor executor, DnsSeederConfig config,
            DnsSeederHandlers handlers);
  // stop(). Handlers may still run until on_stopped (or finished()): keep what they touch
  // alive until then, or until the io_context has stopped.
  ~DnsSeeder();
  DnsSeeder(const DnsSeeder&) = delete;
  DnsSeeder& operator=(const DnsSeeder&) = delete;

  // Posted commands; safe from any thread.
  // A round now, then one every `interval` after the previous round ended. Once.
  void start();
  // A round now, unless one is running (its results are on the way). Works without start().
  void run_once();
  // Idempotent: cancels the timer and every lookup in flight (destroying the c-ares channel);
  // their results are dropped, and no round is reported after this has run.
  void stop();

  // Readable from any thread.
  bool finished() const noexcept;  // stop() ran and no lookup is in flight
  std::uint64_t rounds_completed() const noexcept;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace bsvpeer::node
