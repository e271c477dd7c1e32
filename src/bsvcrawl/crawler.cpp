#include "crawler.hpp"
#include "visit_result.hpp"

#include <bsvpeer/conn/nonce_registry.hpp>
#include <bsvpeer/conn/peer_connection.hpp>
#include <bsvpeer/log/null_logger.hpp>
#include <bsvpeer/net/address_text.hpp>
#include <bsvpeer/peer/peer_store.hpp>
#include <bsvpeer/peer/peer_store_file.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <map>
#include <type_traits>

namespace bsvpeer::crawl {

namespace asio = boost::asio;
using conn::Clock;
using tcp = asio::ip::tcp;

namespace {

UnixSeconds unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double ms_between(TimePoint a, TimePoint b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

class Crawler::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::any_io_executor executor, CrawlerConfig config, CrawlState state)
      : strand_(asio::make_strand(executor)),
        config_(std::move(config)),
        state_(std::move(state)),
        scheduler_(config_.scheduler, Clock::now()),
        logger_(config_.logger ? config_.logger : bsvpeer::null_logger()),
        nonces_(std::make_shared<conn::NonceRegistry>()),
        pump_timer_(strand_),
        save_timer_(strand_),
        progress_timer_(strand_),
        sample_timer_(strand_),
        deadline_timer_(strand_),
        round_timer_(strand_),
        grace_timer_(strand_) {
    connection_.network = config_.network;
    connection_.connect_timeout = config_.connect_timeout;
    connection_.policy.handshake_timeout = config_.handshake_timeout;
    // We judge user agents ourselves and want the version of every node, BCH included.
    connection_.policy.banned_user_agents.clear();
    connection_.policy.required_services = 0;
    connection_.services = 0;
    connection_.relay = false;
    connection_.user_agent = config_.user_agent;
    connection_.restart.enabled = false;
    // One line per connection is noise at crawl scale: connections log only errors unless
    // the crawl itself logs at debug or below.
    auto connection_logger = logger_->clone("conn");
    connection_logger->set_level(std::max(logger_->level(), logger_->level() <= spdlog::level::debug
                                                                ? logger_->level()
                                                                : spdlog::level::err));
    connection_.logger = connection_logger;
    if (auto problem = conn::config_error(connection_)) {
      throw std::invalid_argument("connection settings: " + *problem);
    }
  }

  void start(std::function<void(CrawlOutcome)> done) {
    asio::post(strand_, [self = shared_from_this(), done = std::move(done)]() mutable {
      self->done_ = std::move(done);
      self->begin();
    });
  }

  void stop(std::string why) {
    asio::post(strand_, [self = shared_from_this(), why = std::move(why)] {
      self->shutdown(why, CrawlOutcome::interrupted);
    });
  }

  const CrawlState& state() const { return state_; }

 private:
  struct Visit {
    peer::PeerEndpoint endpoint;
    std::shared_ptr<conn::PeerConnection> connection;
    std::unique_ptr<asio::steady_timer> addr_timer;
    AddrCollector collector;
    TimePoint started;
    std::optional<TimePoint> connected_at, handshaked_at;
    std::optional<HandshakeInfo> handshake;
    std::optional<ProtoconfInfo> protoconf;
    std::string store_id;
    bool ending = false;  // we asked it to disconnect
  };

  // ---- start -------------------------------------------------------------------------------

  void begin() {
    started_ = Clock::now();
    crawl_seconds_base_ = state_.crawl_seconds;
    load_store();
    const UnixSeconds now = unix_now();
    const bool fresh = state_.nodes.empty();
    if (state_.round_started_at == 0) state_.round_started_at = now;
    for (auto& [endpoint, record] : state_.nodes) {
      if (state_.round_ended_at == 0 && record.visited_round == state_.round) {
        scheduler_.add_visited(endpoint);
        count_result(record);
      } else if (state_.round_ended_at == 0) {
        scheduler_.add(endpoint);
      } else {
        scheduler_.add_visited(endpoint);
      }
    }
    for (const auto& seed : config_.seeds)
      learn(seed, peer::PeerSource::manual, now);
    if (fresh) {
      logger_->info("crawl of {} starts: {} seed nodes", state_.network, scheduler_.known());
    } else {
      logger_->info(
          "crawl of {} resumes at round {} ({} complete): {} known, {} visited this round",
          state_.network, state_.round, state_.rounds_completed, scheduler_.known(),
          scheduler_.visited());
    }
    if (config_.deadline.count() > 0) {
      deadline_timer_.expires_after(config_.deadline);
      deadline_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->shutdown("deadline reached", CrawlOutcome::interrupted);
      });
    }
    sample();  // where this run starts, so the chart begins at its first point
    arm_save();
    arm_progress();
    arm_sample();
    if (state_.nodes.empty() && config_.dns_seed && !config_.dns.seeds.empty()) start_dns();
    if (state_.round_ended_at != 0) {
      round_finished();  // the previous run ended with a complete round
      return;
    }
    pump();
  }

  void load_store() {
    peer::PeerStoreFileOptions options;
    options.logger = logger_;
    store_file_.emplace(config_.peers_file, config_.network.id, options);
    const auto report = store_file_->load(store_, unix_now());
    if (!report.ok()) {
      logger_->warn("peer store {}: {} ({})", config_.peers_file.string(),
                    peer::to_string(report.outcome), report.detail);
    }
  }

  void start_dns() {
    node::DnsSeederHandlers handlers;
    handlers.on_discovered = [weak = weak_from_this()](std::vector<tcp::endpoint> endpoints,
                                                       std::string seed) {
      auto self = weak.lock();
      if (!self) return;
      const UnixSeconds now = unix_now();
      std::size_t added = 0;
      for (const auto& e : endpoints) {
        auto endpoint = peer::make_peer_endpoint(net::ip_text(e.address()), e.port());
        if (endpoint && self->learn(*endpoint, peer::PeerSource::dns, now)) ++added;
      }
      self->logger_->info("DNS seed {}: {} addresses, {} new", seed, endpoints.size(), added);
      self->pump();
    };
    handlers.on_outcome = [weak = weak_from_this()](const node::SeedOutcome& o) {
      auto self = weak.lock();
      if (self && o.status != node::ResolveStatus::ok) {
        self->logger_->warn("DNS seed {}: {} ({})", o.seed, node::to_string(o.status), o.message);
      }
    };
    handlers.on_round = [weak = weak_from_this()](const node::SeedRound&) {
      auto self = weak.lock();
      if (!self) return;
      self->dns_done_ = true;
      if (self->seeder_) self->seeder_->stop();
      self->check_round_end();
    };
    auto dns = config_.dns;
    dns.logger = logger_;
    dns_done_ = false;
    seeder_ = std::make_unique<node::DnsSeeder>(strand_, dns, std::move(handlers));
    seeder_->run_once();
  }

  // A node heard of now; true when new.
  bool learn(const peer::PeerEndpoint& endpoint, peer::PeerSource source, UnixSeconds now) {
    (void)store_.add(endpoint.ip, endpoint.port, source, now);
    auto [it, inserted] = state_.nodes.try_emplace(endpoint);
    if (inserted) {
      it->second.endpoint = endpoint;
      it->second.source = source;
      it->second.first_seen = now;
    } else if (peer::ranks_higher(source, it->second.source)) {
      it->second.source = source;
    }
    if (stopping_) return inserted;
    // Between rounds a node joins as visited: the next round queues every known node.
    if (waiting_for_round_) {
      scheduler_.add_visited(endpoint);
      return inserted;
    }
    return scheduler_.add(endpoint) && inserted;
  }

  // ---- dialling ----------------------------------------------------------------------------

  void pump() {
    if (stopping_ || waiting_for_round_) return;
    const TimePoint now = Clock::now();
    while (auto endpoint = scheduler_.next(now))
      launch(*endpoint, now);
    if (auto wake = scheduler_.wake_at(now); wake && !pump_armed_) {
      pump_armed_ = true;
      pump_timer_.expires_at(*wake);
      pump_timer_.async_wait([self = shared_from_this()](boost::system::error_code) {
        self->pump_armed_ = false;
        self->pump();
      });
    }
    check_round_end();
  }

  void launch(const peer::PeerEndpoint& endpoint, TimePoint now) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(endpoint.ip, ec);
    const std::uint64_t id = ++next_id_;
    auto visit = std::make_unique<Visit>();
    visit->endpoint = endpoint;
    visit->started = now;
    visit->collector = AddrCollector(config_.addr);
    if (auto found = store_.find(endpoint.ip, endpoint.port)) {
      visit->store_id = found->id;
      (void)store_.mark_attempt(found->id, unix_now());
    }
    Visit& v = *visit;
    visits_.emplace(id, std::move(visit));
    if (ec) {  // cannot happen for a normalised endpoint; handled rather than assumed
      end_visit(id, "bad_address");
      return;
    }
    auto handler = [weak = weak_from_this()](const conn::ConnectionEvent& event) {
      if (auto self = weak.lock()) {
        asio::post(self->strand_, [self, event] { self->on_event(event); });
      }
    };
    v.connection = conn::PeerConnection::outbound(strand_.get_inner_executor(),
                                                  tcp::endpoint(address, endpoint.port),
                                                  connection_, handler, nonces_, id);
    v.connection->start();
  }

  void on_event(const conn::ConnectionEvent& event) {
    auto it = visits_.find(event.peer.id);
    if (it == visits_.end()) return;
    Visit& v = *it->second;
    const TimePoint now = Clock::now();
    std::visit(
        [&](const auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, conn::StateChanged>) {
            if (body.to == conn::PeerState::awaiting_handshake) v.connected_at = now;
            if (body.to == conn::PeerState::failed || body.to == conn::PeerState::rejected) {
              const auto reason = body.reason.value_or(conn::DisconnectReason::network_error);
              end_visit(event.peer.id, std::string(conn::to_string(reason)));
            }
          } else if constexpr (std::is_same_v<T, conn::HandshakeDone>) {
            on_handshake(event.peer.id, v, body.peer_version, now);
          } else if constexpr (std::is_same_v<T, conn::MessageReceived>) {
            if (auto* p = std::get_if<wire::Protoconf>(&body.message)) {
              v.protoconf = ProtoconfInfo{p->max_recv_payload_length, p->stream_policies};
              if (v.handshake) v.handshake->protoconf = v.protoconf;
            } else if (auto* a = std::get_if<wire::Addr>(&body.message)) {
              if (v.handshake && v.collector.on_addr(*a)) close_visit(v);
            }
          }
        },
        event.body);
  }

  void on_handshake(std::uint64_t id, Visit& v, const wire::Version& version, TimePoint now) {
    (void)id;
    v.handshaked_at = now;
    v.handshake = HandshakeInfo{version.version,      version.services, version.user_agent,
                                version.start_height, version.relay,    v.protoconf};
    if (verdict_from_user_agent(version.user_agent)) {
      close_visit(v);  // BCH or BTC: not crawled further
      return;
    }
    v.connection->send(wire::GetAddr{});
    v.connection->ping();
    v.addr_timer = std::make_unique<asio::steady_timer>(strand_);
    v.addr_timer->expires_after(config_.addr_timeout);
    v.addr_timer->async_wait(
        [self = shared_from_this(), conn = v.connection](boost::system::error_code ec) {
          if (ec) return;
          auto it = self->visits_.find(conn->id());
          if (it != self->visits_.end()) self->close_visit(*it->second);
        });
  }

  void close_visit(Visit& v) {
    if (v.ending) return;
    v.ending = true;
    if (v.addr_timer) v.addr_timer->cancel();
    v.connection->disconnect(conn::DisconnectReason::local_request);
  }

  // The connection reached its final state.
  void end_visit(std::uint64_t id, const std::string& reason) {
    auto it = visits_.find(id);
    if (it == visits_.end()) return;
    std::unique_ptr<Visit> visit = std::move(it->second);
    visits_.erase(it);
    if (visit->addr_timer) visit->addr_timer->cancel();
    if (stopping_) {
      scheduler_.abandoned(visit->endpoint);  // cut short: visited again on resume
      maybe_finish();
      return;
    }
    record_visit(*visit, reason);
    scheduler_.finished(visit->endpoint);
    pump();
  }

  void record_visit(Visit& v, const std::string& reason) {
    const UnixSeconds now = unix_now();
    VisitResult result;
    result.handshake = v.handshake;
    result.error = reason;
    if (v.handshake) {
      const auto rtt_us = v.connection ? v.connection->last_ping_us() : -1;
      if (rtt_us >= 0) result.rtt_ms = static_cast<double>(rtt_us) / 1000.0;
      if (v.connected_at) result.connect_ms = ms_between(v.started, *v.connected_at);
      if (v.connected_at && v.handshaked_at) {
        result.handshake_ms = ms_between(*v.connected_at, *v.handshaked_at);
      }
      result.addr_answered = v.collector.answered();
      result.addr_messages = v.collector.messages();
      result.addresses = v.collector.addresses();
    }
    NodeRecord& r = state_.nodes[v.endpoint];
    r.endpoint = v.endpoint;
    const bool candidate = apply_visit(r, result, state_.round, now);
    update_store(store_, v.store_id, r, now);
    count_result(r, true);
    if (candidate) {
      for (const auto& e : result.addresses)
        learn(e, peer::PeerSource::addr, now);
    }
  }

  void count_result(const NodeRecord& r, bool this_run = false) {
    if (this_run) ++run_visits_;
    const Observation o = observation_of(r);
    ++round_contacted_;
    if (o.handshaked)
      ++round_answered_;
    else
      ++round_failed_;
    if (bsv_candidate(o)) ++round_bsv_;
  }

  // ---- rounds ------------------------------------------------------------------------------

  void check_round_end() {
    if (stopping_ || waiting_for_round_ || !scheduler_.round_complete()) return;
    if (seeder_ && !dns_done_) return;  // the seeds may still add nodes
    state_.rounds_completed = std::max(state_.rounds_completed, state_.round);
    state_.round_ended_at = unix_now();
    logger_->info("round {} complete: {} known, {} answered, {} BSV", state_.round,
                  scheduler_.known(), round_answered_, round_bsv_);
    sample();
    save();
    round_finished();
  }

  void round_finished() {
    if (state_.rounds_completed >= config_.rounds) {
      finish(CrawlOutcome::complete);
      return;
    }
    waiting_for_round_ = true;
    const UnixSeconds next =
        state_.round_started_at +
        std::chrono::duration_cast<std::chrono::seconds>(config_.interval).count();
    const UnixSeconds wait = std::max<UnixSeconds>(0, next - unix_now());
    logger_->info("round {} starts in {} s", state_.round + 1, wait);
    round_timer_.expires_after(std::chrono::seconds(wait));
    round_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->stopping_) return;
      self->next_round();
    });
  }

  void next_round() {
    waiting_for_round_ = false;
    ++state_.round;
    state_.round_started_at = unix_now();
    state_.round_ended_at = 0;
    round_contacted_ = round_answered_ = round_failed_ = round_bsv_ = 0;
    scheduler_.new_round();
    logger_->info("round {} begins: {} nodes", state_.round, scheduler_.known());
    // Like the seeder, ask the DNS seeds again each round: new nodes join this round.
    if (config_.dns_seed && !config_.dns.seeds.empty()) start_dns();
    pump();
  }

  // ---- saving, progress, stopping ----------------------------------------------------------

  double crawl_seconds() const {
    return crawl_seconds_base_ + std::chrono::duration<double>(Clock::now() - started_).count();
  }

  void save() {
    state_.crawl_seconds = crawl_seconds();
    if (auto error = save_state(config_.state_file, state_); !error.empty()) {
      logger_->error("saving the crawl state failed: {}", error);
      save_failed_ = true;
    }
    if (store_file_) {
      if (auto saved = store_file_->save(store_, unix_now()); !saved) {
        logger_->error("saving the peer store failed: {}", saved.error().message());
        save_failed_ = true;
      }
    }
  }

  void arm_save() {
    save_timer_.expires_after(config_.save_interval);
    save_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->stopping_) return;
      self->save();
      self->arm_save();
    });
  }

  Progress progress() const {
    Progress p;
    p.round = state_.round;
    p.known = scheduler_.known();
    p.queued = scheduler_.queued();
    p.in_flight = scheduler_.in_flight();
    p.contacted = round_contacted_;
    p.answered = round_answered_;
    p.bsv = round_bsv_;
    p.failed = round_failed_;
    p.elapsed_s = std::chrono::duration<double>(Clock::now() - started_).count();
    p.rate = p.elapsed_s > 0 ? static_cast<double>(visits_this_run()) / p.elapsed_s : 0;
    if (p.rate > 0) p.eta_s = static_cast<double>(p.queued + p.in_flight) / p.rate;
    p.waiting_for_round = waiting_for_round_;
    return p;
  }

  std::size_t visits_this_run() const { return run_visits_; }

  void arm_progress() {
    progress_timer_.expires_after(config_.progress_interval);
    progress_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->finished_) return;
      if (self->config_.on_progress) self->config_.on_progress(self->progress());
      self->arm_progress();
    });
  }

  void sample() {
    add_progress_sample(state_.progress,
                        ProgressSample{crawl_seconds(), scheduler_.known(), round_contacted_,
                                       round_answered_, round_bsv_});
  }

  void arm_sample() {
    sample_timer_.expires_after(std::chrono::milliseconds(500));
    sample_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->stopping_ || self->waiting_for_round_) {
        if (!ec && !self->stopping_) self->arm_sample();
        return;
      }
      self->sample();
      self->arm_sample();
    });
  }

  void shutdown(const std::string& why, CrawlOutcome outcome) {
    if (stopping_ || finished_) return;
    stopping_ = true;
    outcome_ = outcome;
    logger_->info("stopping ({}): {} visits in flight are cut short", why, visits_.size());
    pump_timer_.cancel();
    round_timer_.cancel();
    if (seeder_) seeder_->stop();
    for (auto& [id, visit] : visits_) {
      if (visit->addr_timer) visit->addr_timer->cancel();
      visit->connection->disconnect(conn::DisconnectReason::shutdown);
    }
    // Connections close within a tick; the grace bound is for a connect stuck in the kernel.
    grace_timer_.expires_after(std::chrono::seconds(2));
    grace_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return;
      for (auto& [id, visit] : self->visits_)
        self->scheduler_.abandoned(visit->endpoint);
      self->visits_.clear();
      self->maybe_finish();
    });
    maybe_finish();
  }

  void maybe_finish() {
    if (!stopping_ || !visits_.empty()) return;
    finish(outcome_);
  }

  void finish(CrawlOutcome outcome) {
    if (finished_) return;
    finished_ = true;
    stopping_ = true;
    sample();
    save();
    for (auto* t : {&pump_timer_, &save_timer_, &progress_timer_, &sample_timer_, &deadline_timer_,
                    &round_timer_, &grace_timer_}) {
      t->cancel();
    }
    if (seeder_) seeder_->stop();
    if (config_.on_progress) config_.on_progress(progress());
    if (save_failed_) outcome = CrawlOutcome::failed;
    if (auto done = std::move(done_)) done(outcome);
  }

  asio::strand<asio::any_io_executor> strand_;
  CrawlerConfig config_;
  CrawlState state_;
  Scheduler scheduler_;
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<conn::NonceRegistry> nonces_;
  conn::ConnectionConfig connection_;
  peer::PeerStore store_;
  std::optional<peer::PeerStoreFile> store_file_;
  std::unique_ptr<node::DnsSeeder> seeder_;
  bool dns_done_ = true;
  std::map<std::uint64_t, std::unique_ptr<Visit>> visits_;
  std::uint64_t next_id_ = 0;
  asio::steady_timer pump_timer_, save_timer_, progress_timer_, sample_timer_, deadline_timer_,
      round_timer_, grace_timer_;
  bool pump_armed_ = false;
  bool stopping_ = false;
  bool finished_ = false;
  bool waiting_for_round_ = false;
  bool save_failed_ = false;
  CrawlOutcome outcome_ = CrawlOutcome::interrupted;
  std::function<void(CrawlOutcome)> done_;
  TimePoint started_;
  double crawl_seconds_base_ = 0;
  std::size_t run_visits_ = 0;
  std::size_t round_contacted_ = 0, round_answered_ = 0, round_failed_ = 0, round_bsv_ = 0;
};

Crawler::Crawler(asio::any_io_executor executor, CrawlerConfig config, CrawlState state)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(config), std::move(state))) {}

Crawler::~Crawler() = default;

void Crawler::start(std::function<void(CrawlOutcome)> done) {
  impl_->start(std::move(done));
}
void Crawler::stop(std::string why) {
  impl_->stop(std::move(why));
}
const CrawlState& Crawler::state() const {
  return impl_->state();
}

}  // namespace bsvpeer::crawl
