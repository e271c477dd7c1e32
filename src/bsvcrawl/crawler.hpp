#pragma once
// The crawler actor: one strand holds the crawl state, the Scheduler and the visits in flight.
// Each visit is a library PeerConnection (outbound, no restart, services 0, relay false): it
// connects, handshakes, and on HandshakeDone the crawler sends getaddr (and a ping for the
// RTT) and waits for the addr answer (AddrCollector) or its timeout, then disconnects at once.
// Connection events are posted from each connection's strand to the crawler's. Stopping
// (signal or deadline) disconnects every visit, puts them back in the queue, saves and ends.
#include "addr_collector.hpp"
#include "crawl_state.hpp"
#include "scheduler.hpp"

#include <bsvpeer/conn/connection_config.hpp>
#include <bsvpeer/net/network.hpp>
#include <bsvpeer/node/dns_seeder.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bsvpeer::crawl {

struct Progress {
  std::uint64_t round = 0;
  std::size_t known = 0, queued = 0, in_flight = 0;
  std::size_t contacted = 0;  // visits ended this round
  std::size_t answered = 0;   // ... with a handshake
  std::size_t bsv = 0;        // ... from a BSV candidate
  std::size_t failed = 0;     // ... without a handshake
  double elapsed_s = 0;       // this run
  double rate = 0;            // visits per second, this run
  std::optional<double> eta_s;
  bool waiting_for_round = false;
};

struct CrawlerConfig {
  net::NetworkParams network = net::network_params(net::NetworkId::main);
  SchedulerConfig scheduler;
  conn::Duration connect_timeout = std::chrono::seconds(5);
  conn::Duration handshake_timeout = std::chrono::seconds(10);
  conn::Duration addr_timeout = std::chrono::seconds(30);
  // 0: none. When it passes, the crawl stops as on a signal.
  conn::Duration deadline{0};
  std::uint64_t rounds = 1;    // crawl until this many rounds are complete (counted in the state)
  conn::Duration interval{0};  // from the start of one round to the start of the next
  AddrCollectorOptions addr;
  std::vector<peer::PeerEndpoint> seeds;  // --seed and the seed file
  bool dns_seed = true;                   // ask the DNS seeds when the state knows no node
  node::DnsSeederConfig dns;
  std::filesystem::path state_file;
  std::filesystem::path peers_file;  // the node's JSON PeerStore format
  conn::Duration save_interval = std::chrono::seconds(5);
  conn::Duration progress_interval = std::chrono::seconds(10);
  std::string user_agent = "/bsvcrawl:0.1.0/";
  std::shared_ptr<spdlog::logger> logger;
  std::function<void(const Progress&)> on_progress;  // on the crawler's strand
};

enum class CrawlOutcome { complete, interrupted, failed };

class Crawler {
 public:
  // `state` is the loaded state (or a fresh one for config.network).
  Crawler(boost::asio::any_io_executor executor, CrawlerConfig config, CrawlState state);
  ~Crawler();
  Crawler(const Crawler&) = delete;
  Crawler& operator=(const Crawler&) = delete;

  // Posted; `done` runs once on the crawler's strand when the crawl has ended and everything
  // is saved (the state is then final and may be read with state()).
  void start(std::function<void(CrawlOutcome)> done);
  // Posted; idempotent: stop dialling, cut visits short, save, finish.
  void stop(std::string why);

  // Only after `done` ran.
  const CrawlState& state() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace bsvpeer::crawl
