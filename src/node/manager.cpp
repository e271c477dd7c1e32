// The Manager: one strand that wires the node's parts (see manager_impl.hpp for
// which file holds which job). Here: its lifecycle (start, listeners, DNS
// seeding, persistence of the PeerStore, bounded shutdown), network health, and
// the public calls that post to the strand.
#include "manager_impl.hpp"

#include <bsvpeer/log/null_logger.hpp>
#include <bsvpeer/net/address_text.hpp>
#include <bsvpeer/wire/sha256.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <future>
#include <stdexcept>

namespace bsvpeer::node {

using net::ip_text;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Manager::Impl::Impl(asio::any_io_executor executor, ManagerConfig cfg,
                    std::shared_ptr<IoContextPool> connection_contexts,
                    std::shared_ptr<peer::PeerStore> st)
    : connection_contexts(connection_contexts),
      io(executor),
      strand(asio::make_strand(executor)),
      config(std::move(cfg)),
      network_magic(config.connection.network.magic),
      shutdown_timeout(config.shutdown_timeout),
      event_queue_capacity(config.event_queue_capacity),
      store(std::move(st)),
      log(config.logger ? config.logger : null_logger()),
      slots(SlotLimits{config.max_connections, config.target_outbound, config.max_manual}),
      nonces(std::make_shared<conn::NonceRegistry>()),
      redial(config.dial_backoff),
      admission(config.inbound_allowlist),
      fill_timer(strand),
      persist_timer(strand),
      manual_timer(strand),
      health_timer(strand),
      selector(PeerSelectorOptions{config.one_outbound_per_netgroup, true}),
      health(
          NetworkHealthConfig{config.min_connected_peers,
                              std::chrono::duration_cast<conn::Duration>(config.isolation_grace)}),
      addr_filter(AddrFilterOptions{config.addr_required_services}) {
  load_whitelist();
  seed_timer.emplace(strand);
}

// config.whitelist was validated by manager_config_error.
void Manager::Impl::load_whitelist() {
  auto parsed = Whitelist::parse(config.whitelist);
  if (auto* w = std::get_if<Whitelist>(&parsed)) whitelist = std::move(*w);
}

// --- lifecycle
// ---------------------------------------------------------------------------

void Manager::Impl::start() {
  if (!config.store_path.empty()) {
    peer::PeerStoreFileOptions opts;
    opts.logger = log;
    store_file.emplace(config.store_path, config.connection.network.id, opts);
    const auto report = store_file->load(*store, unix_now());
    log->info("peer store {}: {} ({} records, {} skipped){}", config.store_path.string(),
              peer::to_string(report.outcome), report.loaded_records, report.skipped_records,
              report.detail.empty() ? "" : ": " + report.detail);
  }
  for (const auto& ep : config.manual_peers)
    manual.insert(ep);
  if (config.mode == OutboundMode::fixed) {
    for (const auto& ep : config.fixed_peers)
      manual.insert(ep);
  }
  update_manual_copy();
  if (config.listen) start_listeners();
  start_dns_seeder();
  schedule_persist();
  schedule_manual();
  evaluate_health();
  fill_outbound();
}

void Manager::Impl::start_listeners() {
  auto endpoints = config.listen_endpoints;
  if (endpoints.empty()) {
    endpoints.emplace_back(asio::ip::address_v6::any(), config.connection.network.default_port);
  }
  // Accepted sockets go straight to the executor their connection will run on.
  Listener::SocketExecutor socket_executor = [self = weak_from_this(),
                                              io = io]() -> asio::any_io_executor {
    if (auto impl = self.lock()) return impl->connection_executor();
    return asio::make_strand(io);
  };
  for (const auto& ep : endpoints) {
    auto self = shared_from_this();
    auto listener = std::make_shared<Listener>(
        io, ep,
        [self](tcp::socket s, const tcp::endpoint& remote, const tcp::endpoint& local) {
          asio::post(self->strand, [self, s = std::move(s), remote, local]() mutable {
            self->on_accept(std::move(s), remote, local);
          });
        },
        [self](bool up, const tcp::endpoint& bound, const std::string& why) {
          asio::post(self->strand, [self, up, bound, why] {
            if (up) {
              std::lock_guard lock(self->info_mutex);
              self->bound_endpoints.push_back(bound);
              self->hub.publish(ListenerUp{bound});
            } else {
              {
                std::lock_guard lock(self->info_mutex);
                std::erase(self->bound_endpoints, bound);
              }
              self->hub.publish(ListenerDown{bound, why});
            }
          });
        },
        log, config.listen_retry, socket_executor);
    listener->start();
    listeners.push_back(listener);
  }
}

asio::any_io_executor Manager::Impl::connection_executor() {
  if (auto contexts = connection_contexts.lock()) return contexts->next_executor();
  return asio::make_strand(io);
}

conn::PeerConnection::SharedConfig Manager::Impl::connection_config(const ConnectionRole& role) {
  auto& shared = connection_configs[role];
  if (shared) return shared;
  auto cfg = config.connection;
  cfg.restart.enabled = cfg.restart.enabled && role.restart;
  cfg.policy.whitelisted = role.whitelisted;
  cfg.policy.reject_after_handshake = role.reject_after_handshake;
  cfg.policy.addnode_peer = role.addnode_peer;
  if (role.outbound && config.outbound_bind_address)
    cfg.local_address = config.outbound_bind_address;
  shared = conn::PeerConnection::share(std::move(cfg));
  return shared;
}

void Manager::Impl::stop_listeners() {
  for (auto& l : listeners)
    l->stop();
  listeners.clear();
}

// DNS seeds: normal mode only, at start and every dns_interval; discovered
// endpoints enter the store as Unknown (banned and known ones are skipped) and
// outbound is refilled.
void Manager::Impl::start_dns_seeder() {
  if (config.mode != OutboundMode::normal || !config.dns_seed) return;
  auto cfg = dns_seeder_config(config.connection.network);
  if (!config.dns_seeds.empty()) cfg.seeds = config.dns_seeds;
  if (cfg.seeds.empty()) return;
  cfg.resolver.servers = config.dns_servers;
  cfg.resolver.timeout = config.dns_timeout;
  cfg.interval = config.dns_interval;
  cfg.logger = log;
  if (auto e = config_error(cfg)) {
    log->error("DNS seeding disabled: {}", *e);
    return;
  }
  std::weak_ptr<Impl> weak = shared_from_this();
  DnsSeederHandlers handlers;
  handlers.should_skip = [weak](const tcp::endpoint& ep) {
    auto self = weak.lock();
    if (!self) return true;
    const auto ip = ip_text(ep.address());
    return self->store->is_ip_banned(ip, unix_now()) ||
           self->store->find(ip, ep.port()).has_value();
  };
  handlers.on_discovered = [weak](std::vector<tcp::endpoint> found, std::string seed) {
    auto self = weak.lock();
    if (!self) return;
    asio::post(self->strand, [self, found = std::move(found), seed = std::move(seed)] {
      std::size_t added = 0;
      for (const auto& ep : found) {
        auto r =
            self->store->add(ip_text(ep.address()), ep.port(), peer::PeerSource::dns, unix_now());
        if (r && r->inserted) ++added;
      }
      self->hub.publish(DiscoveryResult{seed, found.size(), added, ""});
      self->fill_outbound();
    });
  };
  handlers.on_outcome = [weak](const SeedOutcome& o) {
    auto self = weak.lock();
    if (self) self->metrics->count_dns_lookup(o.status);
    if (!self || o.status == ResolveStatus::ok) return;
    asio::post(self->strand, [self, seed = o.seed, message = o.message] {
      self->hub.publish(DiscoveryResult{seed, 0, 0, message});
    });
  };
  try {
    seeder = std::make_unique<DnsSeeder>(io, std::move(cfg), std::move(handlers));
    seeder->start();
  } catch (const std::exception& e) {
    log->error("DNS seeding disabled: {}", e.what());
    seeder.reset();
  }
}

void Manager::Impl::shutdown(std::function<void()> done) {
  if (done) shutdown_waiters.push_back(std::move(done));
  if (stopping) return;
  stopping = true;
  stop_listeners();
  if (seeder) seeder->stop();
  fill_timer.cancel();
  manual_timer.cancel();
  health_timer.cancel();
  persist_timer.cancel();
  seed_timer->cancel();
  for (auto& [id, live] : connections)
    live.connection->disconnect(conn::DisconnectReason::shutdown);
  shutdown_deadline = conn::Clock::now() + config.shutdown_timeout;
  check_shutdown_done();
}

void Manager::Impl::check_shutdown_done() {
  if (!stopping || shutdown_finished) return;
  const bool all_done = connections.empty();
  if (!all_done && conn::Clock::now() < shutdown_deadline) {
    // Connections report their end through events; this timer only bounds the
    // wait.
    fill_timer.expires_after(std::chrono::milliseconds(20));
    fill_timer.async_wait([self = shared_from_this()](const boost::system::error_code&) {
      self->check_shutdown_done();
    });
    return;
  }
  if (!all_done) {
    log->warn("shutdown: {} connections still open after the timeout; dropping them",
              connections.size());
    {
      std::lock_guard lock(info_mutex);
      for (const auto& [id, live] : connections)
        closed_traffic.merge(live.connection->traffic());
      snapshots.clear();
    }
    connections.clear();
    dial_ids.clear();
    update_counts();
  }
  shutdown_finished = true;
  persist(true);
  auto waiters = std::move(shutdown_waiters);
  for (auto& w : waiters)
    w();
}

// --- persistence of the PeerStore
// --------------------------------------------------------

void Manager::Impl::schedule_persist() {
  if (!store_file || stopping) return;
  persist_timer.expires_after(config.persist_interval);
  persist_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->stopping) return;
    self->persist(false);
    self->schedule_persist();
  });
}

void Manager::Impl::persist(bool force) {
  if (!store_file) return;
  if (!force && store->generation() == saved_generation) return;
  auto r = store_file->save(*store, unix_now());
  if (r) {
    saved_generation = *r;
  } else {
    log->warn("could not save the peer store: {}", r.error().message());
  }
}

// --- health
// ------------------------------------------------------------------------------

void Manager::Impl::evaluate_health() {
  const auto now = conn::Clock::now();
  // Counted by update_counts(), which runs on every change of a connection's
  // handshake.
  const std::size_t handshaked = handshaked_count.load();
  if (auto event = health.update(handshaked, now)) {
    if (*event == NetworkHealthEvent::isolated) {
      log->warn("isolated: {} handshaked peers (minimum {})", handshaked,
                config.min_connected_peers);
      hub.publish(NetworkIsolated{handshaked, config.min_connected_peers});
    } else {
      log->info("network recovered: {} handshaked peers", handshaked);
      hub.publish(NetworkRecovered{handshaked});
    }
  }
  if (stopping) return;
  // Re-armed only when the deadline moves (this runs on every connection's handshake and end).
  if (auto at = health.next_deadline(); at && at != health_timer_at) {
    health_timer_at = at;
    health_timer.expires_at(*at);
    health_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      self->health_timer_at.reset();
      self->evaluate_health();
    });
  }
}

void Manager::Impl::update_manual_copy() {
  std::lock_guard lock(info_mutex);
  manual_copy.assign(manual.begin(), manual.end());
}

void Manager::Impl::apply_config(ManagerConfig cfg) {
  const bool listeners_changed =
      cfg.listen != config.listen || cfg.listen_endpoints != config.listen_endpoints;
  config = std::move(cfg);
  connection_configs.clear();
  load_whitelist();
  redial.set_config(config.dial_backoff);
  seeds.reconfigure(config.seed_nodes);
  slots.set_limits(SlotLimits{config.max_connections, config.target_outbound, config.max_manual});
  for (auto& [id, live] : connections)
    live.connection->update_config(connection_config(live.role));
  if (listeners_changed && !stopping) {
    stop_listeners();
    if (config.listen) start_listeners();
  }
  // A lower target closes the newest automatic outbound connections above it.
  std::size_t outbound = slots.count(SlotKind::outbound);
  for (auto it = connections.rbegin();
       it != connections.rend() && outbound > config.target_outbound; ++it) {
    if (it->second.kind == SlotKind::outbound) {
      it->second.connection->disconnect(conn::DisconnectReason::local_request);
      --outbound;
    }
  }
  fill_outbound();
}

// --- Manager
// -----------------------------------------------------------------------------

std::shared_ptr<Manager> Manager::create(asio::any_io_executor executor, ManagerConfig config,
                                         std::shared_ptr<peer::PeerStore> store,
                                         std::shared_ptr<IoContextPool> connection_contexts) {
  if (auto e = manager_config_error(config)) throw std::invalid_argument(*e);
  // OpenSSL's digest set up now, once, rather than by the first peer's first frame: its setup
  // maps ~2 MB of libcrypto, which would count against the first connections' memory and
  // latency. A broken OpenSSL also shows here, at start.
  (void)wire::checksum({});
  return std::shared_ptr<Manager>(
      new Manager(std::move(executor), std::move(config), std::move(connection_contexts),
                  store ? std::move(store) : std::make_shared<peer::PeerStore>()));
}

Manager::Manager(asio::any_io_executor executor, ManagerConfig config,
                 std::shared_ptr<IoContextPool> connection_contexts,
                 std::shared_ptr<peer::PeerStore> store)
    : store_(store),
      impl_(std::make_shared<Impl>(std::move(executor), std::move(config),
                                   std::move(connection_contexts), std::move(store))) {}

Manager::~Manager() = default;

void Manager::start() {
  asio::dispatch(impl_->strand, [impl = impl_] { impl->start(); });
}

void Manager::shutdown(std::function<void()> done) {
  auto self = shared_from_this();
  asio::post(impl_->strand,
             [self, done = std::move(done)]() mutable { self->impl_->shutdown(std::move(done)); });
}

void Manager::shutdown_and_wait() {
  std::promise<void> finished;
  auto future = finished.get_future();
  shutdown([&finished] { finished.set_value(); });
  future.wait_for(impl_->shutdown_timeout + std::chrono::seconds(5));
}

std::optional<std::string> Manager::update_config(ManagerConfig config) {
  if (auto e = manager_config_error(config)) return e;
  if (config.connection.network.magic != impl_->network_magic) {
    return std::string("the network cannot change at run time");
  }
  auto self = shared_from_this();
  asio::post(impl_->strand, [self, config = std::move(config)]() mutable {
    self->impl_->apply_config(std::move(config));
  });
  return std::nullopt;
}

std::shared_ptr<Subscription> Manager::subscribe(EventFilter filter, std::size_t capacity) {
  return impl_->hub.subscribe(filter, capacity == 0 ? impl_->event_queue_capacity : capacity);
}

void Manager::send_message(std::uint64_t peer_id, wire::Message message) {
  auto self = shared_from_this();
  asio::post(impl_->strand, [self, peer_id, message = std::move(message)]() mutable {
    auto it = self->impl_->connections.find(peer_id);
    if (it != self->impl_->connections.end()) it->second.connection->send(std::move(message));
  });
}

void Manager::broadcast(wire::Message message) {
  auto self = shared_from_this();
  asio::post(impl_->strand, [self, message = std::move(message)] {
    for (auto& [id, live] : self->impl_->connections) {
      if (!live.handshaked) continue;
      if (const auto* inv = std::get_if<wire::Inv>(&message)) {
        // Never announce a hash to a peer that announced it to us or already
        // got it.
        wire::Inv filtered;
        for (const auto& item : inv->items) {
          if (live.known_inventory.insert(item.hash)) filtered.items.push_back(item);
        }
        if (!filtered.items.empty()) live.connection->send(std::move(filtered));
      } else {
        live.connection->send(message);
      }
    }
  });
}

void Manager::disconnect(std::uint64_t peer_id) {
  auto self = shared_from_this();
  asio::post(impl_->strand, [self, peer_id] {
    auto it = self->impl_->connections.find(peer_id);
    if (it != self->impl_->connections.end()) {
      it->second.connection->disconnect(conn::DisconnectReason::local_request);
    }
  });
}

void Manager::ping_all() {
  auto self = shared_from_this();
  asio::post(impl_->strand, [self] {
    for (auto& [id, live] : self->impl_->connections) {
      if (live.handshaked) live.connection->ping();
    }
  });
}

}  // namespace bsvpeer::node
