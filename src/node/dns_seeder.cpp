#include <bsvpeer/log/null_logger.hpp>
#include <bsvpeer/net/address_text.hpp>
#include <bsvpeer/node/dns_seeder.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <set>
#include <stdexcept>

namespace bsvpeer::node {

using net::endpoint_text;

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

// One spelling per host: an IPv4-mapped IPv6 answer is the IPv4 address, so the duplicate
// check and the owner's ban/known lookups see the same endpoint either way.
tcp::endpoint endpoint_for(const asio::ip::address& address, std::uint16_t port) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return {asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()), port};
  }
  return {address, port};
}

}  // namespace

DnsSeederConfig dns_seeder_config(const net::NetworkParams& network) {
  DnsSeederConfig config;
  config.seeds = network.dns_seeds;
  config.port = network.default_port;
  return config;
}

DnsSeederConfig dns_seeder_config(net::NetworkId network) {
  return dns_seeder_config(net::network_params(network));
}

std::optional<std::string> config_error(const DnsSeederConfig& config) {
  for (const auto& seed : config.seeds) {
    if (seed.empty()) return "a DNS seed name is empty";
  }
  if (config.port == 0) return "the DNS seeds' default port must not be 0";
  if (config.interval <= std::chrono::milliseconds::zero()) {
    return "the DNS seeding interval must be positive";
  }
  return config_error(config.resolver);
}

class DnsSeeder::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::any_io_executor executor, DnsSeederConfig config, DnsSeederHandlers handlers)
      : strand_(asio::make_strand(std::move(executor))),
        config_(std::move(config)),
        handlers_(std::move(handlers)),
        logger_(config_.logger ? config_.logger : null_logger()),
        timer_(strand_) {
    if (config_.enabled) {
      auto resolver_config = config_.resolver;
      resolver_config.logger = logger_;
      // The resolver's strand is built on ours, so c-ares work and our handlers never run at
      // the same time; its completions come back bound to strand_ (begin_round).
      resolver_.emplace(strand_, std::move(resolver_config));
    }
  }

  void start() {
    asio::post(strand_, [self = shared_from_this()] { self->do_start(); });
  }
  void run_once() {
    asio::post(strand_, [self = shared_from_this()] { self->do_run_once(); });
  }
  void stop() {
    asio::post(strand_, [self = shared_from_this()] { self->do_stop(); });
  }

  bool finished() const noexcept { return finished_.load(std::memory_order_acquire); }
  std::uint64_t rounds_completed() const noexcept {
    return rounds_completed_.load(std::memory_order_acquire);
  }

 private:
  template <class... Args>
  void log(spdlog::level::level_enum level, fmt::format_string<Args...> fmt, Args&&... args) {
    if (!logger_->should_log(level)) return;
    logger_->log(level, "[dns-seed] {}", fmt::format(fmt, std::forward<Args>(args)...));
  }

  void do_start() {
    if (stopped_ || started_) return;
    started_ = true;
    if (!config_.enabled) {
      log(spdlog::level::info, "DNS seeding disabled");
      return;
    }
    log(spdlog::level::info, "seeding from {} DNS seeds, port {}, every {} s", config_.seeds.size(),
        config_.port, std::chrono::duration_cast<std::chrono::seconds>(config_.interval).count());
    if (!round_active_) begin_round();
  }

  void do_run_once() {
    if (stopped_) return;
    if (!config_.enabled) {
      log(spdlog::level::info, "DNS seeding disabled; run_once ignored");
      return;
    }
    if (round_active_) {
      log(spdlog::level::debug, "round {} still running; run_once ignored", round_);
      return;
    }
    begin_round();
  }

  void begin_round() {
    round_active_ = true;
    ++round_;
    round_started_ = Clock::now();
    seen_.clear();
    outcomes_.assign(config_.seeds.size(), SeedOutcome{});
    // This round replaces the scheduled one; the next is scheduled when this one ends.
    ++timer_generation_;
    timer_.cancel();
    if (config_.seeds.empty()) {
      log(spdlog::level::info, "no DNS seeds for this network");
      end_round();
      return;
    }
    for (std::size_t i = 0; i < config_.seeds.size(); ++i) {
      outcomes_[i].round = round_;
      outcomes_[i].seed = config_.seeds[i];
      ++in_flight_;
      resolver_->async_resolve(
          config_.seeds[i], AddressFamily::any,
          asio::bind_executor(strand_, [self = shared_from_this(), index = i,
                                        started = Clock::now()](ResolveResult result) {
            self->on_resolved(index, started, std::move(result));
          }));
    }
  }

  void on_resolved(std::size_t index, Clock::time_point started, ResolveResult result) {
    --in_flight_;
    if (stopped_) {
      // A lookup cut short by stop(): nobody wants its result any more.
      if (in_flight_ == 0) finish_stop();
      return;
    }
    auto& outcome = outcomes_[index];
    outcome.status = result.status;
    outcome.message = std::move(result.message);
    outcome.timeouts = result.timeouts;
    outcome.elapsed = since(started);
    std::vector<tcp::endpoint> fresh;
    for (const auto& address : result.addresses) {
      const auto endpoint = endpoint_for(address, config_.port);
      ++outcome.resolved;
      if (!seen_.insert(endpoint).second) {
        ++outcome.duplicates;
        continue;
      }
      if (handlers_.should_skip && handlers_.should_skip(endpoint)) {
        ++outcome.skipped;
        continue;
      }
      fresh.push_back(endpoint);
    }
    outcome.discovered = fresh.size();
    log_outcome(outcome, fresh);
    if (!fresh.empty() && handlers_.on_discovered) {
      handlers_.on_discovered(std::move(fresh), outcome.seed);
    }
    if (handlers_.on_outcome) handlers_.on_outcome(outcome);
    if (in_flight_ == 0) end_round();
  }

  void log_outcome(const SeedOutcome& outcome, const std::vector<tcp::endpoint>& fresh) {
    if (outcome.status == ResolveStatus::ok) {
      log(spdlog::level::info,
          "seed {}: {} addresses, {} new, {} banned or known, {} duplicate ({} ms)", outcome.seed,
          outcome.resolved, outcome.discovered, outcome.skipped, outcome.duplicates,
          outcome.elapsed.count());
      if (logger_->should_log(spdlog::level::debug) && !fresh.empty()) {
        std::string list;
        for (const auto& endpoint : fresh) {
          if (!list.empty()) list += ' ';
          list += endpoint_text(endpoint);
        }
        log(spdlog::level::debug, "seed {}: new {}", outcome.seed, list);
      }
      return;
    }
    // A dead or slow seed is routine (SV keeps going with the others), hence WARN not ERROR.
    log(spdlog::level::warn, "seed {}: {} ({}) after {} ms, {} timeouts", outcome.seed,
        to_string(outcome.status), outcome.message, outcome.elapsed.count(), outcome.timeouts);
  }

  void end_round() {
    round_active_ = false;
    SeedRound summary;
    summary.round = round_;
    summary.outcomes = std::move(outcomes_);
    outcomes_.clear();
    summary.elapsed = since(round_started_);
    std::size_t answered = 0;
    for (const auto& outcome : summary.outcomes) {
      summary.discovered += outcome.discovered;
      if (outcome.status == ResolveStatus::ok) ++answered;
    }
    rounds_completed_.store(round_, std::memory_order_release);
    log(spdlog::level::info, "round {}: {} new endpoints; {} of {} seeds answered ({} ms)", round_,
        summary.discovered, answered, summary.outcomes.size(), summary.elapsed.count());
    if (handlers_.on_round) handlers_.on_round(summary);
    if (started_ && !stopped_) schedule_next();
  }

  void schedule_next() {
    const auto generation = ++timer_generation_;
    timer_.expires_after(config_.interval);
    timer_.async_wait([self = shared_from_this(), generation](boost::system::error_code ec) {
      // Stale when a run_once() round or stop() came in between (the wait may have expired
      // before their cancel reached it).
      if (ec || generation != self->timer_generation_ || self->stopped_ || self->round_active_) {
        return;
      }
      self->begin_round();
    });
  }

  void do_stop() {
    if (stopped_) return;
    stopped_ = true;
    ++timer_generation_;
    timer_.cancel();
    // Destroying the resolver destroys its channel: every lookup in flight completes with
    // `cancelled` on our strand, where on_resolved counts it down.
    resolver_.reset();
    log(spdlog::level::debug, "stopping; {} lookups in flight", in_flight_);
    if (in_flight_ == 0) finish_stop();
  }

  void finish_stop() {
    round_active_ = false;
    auto on_stopped = std::move(handlers_.on_stopped);
    if (on_stopped) on_stopped();
    // Drop the owner's callbacks: they may hold the owner, which may hold us.
    handlers_ = DnsSeederHandlers{};
    finished_.store(true, std::memory_order_release);
  }

  asio::strand<asio::any_io_executor> strand_;
  DnsSeederConfig config_;
  DnsSeederHandlers handlers_;
  std::shared_ptr<spdlog::logger> logger_;
  std::optional<AresResolver> resolver_;  // empty when disabled, and after stop()
  asio::steady_timer timer_;              // the next periodic round

  // Touched only on strand_.
  bool started_ = false;
  bool stopped_ = false;
  bool round_active_ = false;
  std::uint64_t round_ = 0;
  std::uint64_t timer_generation_ = 0;
  std::size_t in_flight_ = 0;
  Clock::time_point round_started_{};
  std::set<tcp::endpoint> seen_;  // this round's endpoints, for the duplicate check
  std::vector<SeedOutcome> outcomes_;

  std::atomic<bool> finished_{false};
  std::atomic<std::uint64_t> rounds_completed_{0};
};

DnsSeeder::DnsSeeder(asio::any_io_executor executor, DnsSeederConfig config,
                     DnsSeederHandlers handlers) {
  if (auto error = config_error(config)) throw std::invalid_argument(*error);
  impl_ = std::make_shared<Impl>(std::move(executor), std::move(config), std::move(handlers));
}

DnsSeeder::~DnsSeeder() {
  if (impl_) impl_->stop();
}

void DnsSeeder::start() {
  impl_->start();
}
void DnsSeeder::run_once() {
  impl_->run_once();
}
void DnsSeeder::stop() {
  impl_->stop();
}
bool DnsSeeder::finished() const noexcept {
  return impl_->finished();
}
std::uint64_t DnsSeeder::rounds_completed() const noexcept {
  return impl_->rounds_completed();
}

}  // namespace bsvpeer::node
