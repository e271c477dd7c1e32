#include <bsvpeer/conn/failure_kind_of.hpp>
#include <bsvpeer/log/null_logger.hpp>
#include <bsvpeer/net/address_text.hpp>
#include <bsvpeer/node/addr_filter.hpp>
#include <bsvpeer/node/dns_seeder.hpp>
#include <bsvpeer/node/duplicate_rule.hpp>
#include <bsvpeer/node/inbound_address.hpp>
#include <bsvpeer/node/known_inventory.hpp>
#include <bsvpeer/node/listener.hpp>
#include <bsvpeer/node/manager.hpp>
#include <bsvpeer/node/netgroup.hpp>
#include <bsvpeer/node/network_health.hpp>
#include <bsvpeer/node/peer_selector.hpp>
#include <bsvpeer/node/seed_nodes.hpp>
#include <bsvpeer/node/self_advertisement.hpp>
#include <bsvpeer/node/slot_pool.hpp>
#include <bsvpeer/node/whitelist.hpp>
#include <bsvpeer/peer/peer_endpoint.hpp>
#include <bsvpeer/peer/peer_store_file.hpp>
#include <bsvpeer/peer/subnet.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <fmt/ostream.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <unordered_map>

namespace bsvpeer::node {

using net::endpoint_text;
using net::ip_text;

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Messages the Manager itself handles (gossip, inventory dedupe); the rest only matter to
// message subscribers.
bool manager_acts_on(const wire::Message& m) {
  return std::holds_alternative<wire::Addr>(m) || std::holds_alternative<wire::GetAddr>(m) ||
         std::holds_alternative<wire::Inv>(m);
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// SV relays addr messages of at most 10 entries, and only entries under 10 minutes old.
constexpr std::size_t kAddrRelayMaxEntries = 10;
constexpr std::int64_t kAddrRelayMaxAge = 10 * 60;

// Over-capacity inbound connections handshaked politely at once; beyond, refused at accept.
constexpr std::size_t kMaxPoliteRejections = 16;

// An IP or CIDR of the inbound allowlist.
struct AllowEntry {
  asio::ip::address network;
  unsigned prefix = 0;

  bool contains(const asio::ip::address& a) const {
    auto as_v6 = [](const asio::ip::address& x) {
      return x.is_v4() ? asio::ip::make_address_v6(asio::ip::v4_mapped, x.to_v4()) : x.to_v6();
    };
    const auto n = as_v6(network).to_bytes();
    const auto b = as_v6(a).to_bytes();
    const unsigned bits = network.is_v4() ? prefix + 96 : prefix;
    for (unsigned i = 0; i < bits; ++i) {
      const unsigned byte = i / 8, bit = 7 - i % 8;
      if (((n[byte] >> bit) & 1) != ((b[byte] >> bit) & 1)) return false;
    }
    return true;
  }
};

std::optional<AllowEntry> parse_allow_entry(const std::string& text) {
  const auto slash = text.find('/');
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(text.substr(0, slash), ec);
  if (ec) return std::nullopt;
  const unsigned max = addr.is_v4() ? 32 : 128;
  unsigned prefix = max;
  if (slash != std::string::npos) {
    try {
      prefix = static_cast<unsigned>(std::stoul(text.substr(slash + 1)));
    } catch (const std::exception&) {
      return std::nullopt;
    }
    if (prefix > max) return std::nullopt;
  }
  return AllowEntry{addr, prefix};
}

}  // namespace

struct Manager::Impl : std::enable_shared_from_this<Manager::Impl> {
  struct PeerSnapshot {
    PeerInfo info;
    std::shared_ptr<conn::PeerConnection> connection;
  };

  struct Live {
    std::shared_ptr<conn::PeerConnection> connection;
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
    bool whitelisted = false;
    bool getaddr_answered = false;
    wire::Version version;
    std::int64_t connected_since = 0;
    std::int64_t time_offset = 0;
    int misbehaviour = 0;
    KnownInventory known_inventory;
  };

  Impl(asio::any_io_executor executor, ManagerConfig cfg, std::shared_ptr<peer::PeerStore> st)
      : io(executor),
        strand(asio::make_strand(executor)),
        config(std::move(cfg)),
        network_magic(config.connection.network.magic),
        shutdown_timeout(config.shutdown_timeout),
        event_queue_capacity(config.event_queue_capacity),
        store(std::move(st)),
        log(config.logger ? config.logger : null_logger()),
        slots(SlotLimits{config.max_connections, config.target_outbound, config.max_manual}),
        nonces(std::make_shared<conn::NonceRegistry>()),
        fill_timer(strand),
        persist_timer(strand),
        manual_timer(strand),
        health_timer(strand),
        selector(PeerSelectorOptions{config.one_outbound_per_netgroup, true}),
        health(NetworkHealthConfig{
            config.min_connected_peers,
            std::chrono::duration_cast<conn::Duration>(config.isolation_grace)}),
        addr_filter(AddrFilterOptions{config.addr_required_services}) {
    for (const auto& e : config.inbound_allowlist) {
      if (auto a = parse_allow_entry(e)) allowlist.push_back(*a);
    }
    load_whitelist();
    seed_timer.emplace(strand);
  }

  // config.whitelist was validated by manager_config_error.
  void load_whitelist() {
    auto parsed = Whitelist::parse(config.whitelist);
    if (auto* w = std::get_if<Whitelist>(&parsed)) whitelist = std::move(*w);
  }

  // --- lifecycle ------------------------------------------------------------------------

  void start() {
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

  void start_listeners() {
    auto endpoints = config.listen_endpoints;
    if (endpoints.empty()) {
      endpoints.emplace_back(asio::ip::address_v6::any(), config.connection.network.default_port);
    }
    for (const auto& ep : endpoints) {
      auto self = shared_from_this();
      auto listener = std::make_shared<Listener>(
          io, ep,
          [self](tcp::socket s) {
            asio::post(self->strand,
                       [self, s = std::move(s)]() mutable { self->on_accept(std::move(s)); });
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
          log, config.listen_retry);
      listener->start();
      listeners.push_back(listener);
    }
  }

  // DNS seeds: normal mode only, at start and every dns_interval; discovered endpoints enter
  // the store as Unknown (banned and known ones are skipped) and outbound is refilled.
  void start_dns_seeder() {
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

  void stop_listeners() {
    for (auto& l : listeners)
      l->stop();
    listeners.clear();
  }

  void shutdown(std::function<void()> done) {
    if (stopping) {
      if (done) shutdown_waiters.push_back(std::move(done));
      return;
    }
    stopping = true;
    if (done) shutdown_waiters.push_back(std::move(done));
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

  void check_shutdown_done() {
    if (!stopping || shutdown_finished) return;
    const bool all_done = connections.empty();
    if (!all_done && conn::Clock::now() < shutdown_deadline) {
      // Connections report their end through events; this timer only bounds the wait.
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

  // --- persistence ----------------------------------------------------------------------

  void schedule_persist() {
    if (!store_file || stopping) return;
    persist_timer.expires_after(config.persist_interval);
    persist_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopping) return;
      self->persist(false);
      self->schedule_persist();
    });
  }

  void persist(bool force) {
    if (!store_file) return;
    if (!force && store->generation() == saved_generation) return;
    auto r = store_file->save(*store, unix_now());
    if (r) {
      saved_generation = *r;
    } else {
      log->warn("could not save the peer store: {}", r.error().message());
    }
  }

  // --- outbound -------------------------------------------------------------------------

  std::set<tcp::endpoint> busy_endpoints() const {
    std::set<tcp::endpoint> busy;
    for (const auto& [id, live] : connections) {
      if (live.connection->direction() == conn::Direction::outbound) {
        busy.insert(live.connection->endpoint());
      }
    }
    return busy;
  }

  void fill_outbound() {
    if (stopping) return;
    if (config.mode == OutboundMode::normal) {
      dial_seed_nodes();
      const auto now = unix_now();
      const auto steady_now = conn::Clock::now();
      const std::size_t want = slots.available(SlotKind::outbound);
      if (want == 0) return;
      std::set<peer::PeerEndpoint> busy;
      std::set<NetGroup> groups;
      for (const auto& [id, live] : connections) {
        if (live.connection->direction() != conn::Direction::outbound) continue;
        const auto& ep = live.connection->endpoint();
        if (auto pe = peer::make_peer_endpoint(live.ip, ep.port())) busy.insert(*pe);
        if (live.kind == SlotKind::outbound) groups.insert(netgroup_of(ep.address()));
      }
      const auto records = store->snapshot();
      // An inbound peer's listening port is only a guess, so a peer connected in either
      // direction is recognised by its IP: every record of a connected IP is busy, and so
      // are our own listening endpoints (gossip brings our address back to us).
      std::set<std::string> live_ips;
      for (const auto& [id, live] : connections)
        live_ips.insert(live.ip);
      settle_deferred_failures();
      for (const auto& [ip, deferred] : deferred_failures)
        live_ips.insert(ip);
      for (const auto& ep : local_listen_endpoints()) {
        if (auto pe = peer::make_peer_endpoint(ip_text(ep.address()), ep.port())) {
          busy.insert(*pe);
        }
      }
      for (const auto& r : records) {
        if (live_ips.count(r.ip)) {
          if (auto pe = peer::make_peer_endpoint(r.ip, r.port)) busy.insert(*pe);
        }
      }
      SelectionRequest request;
      request.peers = records;
      request.busy = &busy;
      request.outbound_netgroups = &groups;
      request.now = now;
      request.inaccessible_eligible = [&](const peer::PeerRecord& r) {
        auto it = backoffs.find(r.id);
        return it == backoffs.end() || it->second.eligible(steady_now);
      };
      // Extra candidates stand in for peers still waiting out their own backoff.
      request.max_count = want + std::min<std::size_t>(backoffs.size(), 64);
      auto candidates = selector.select(request);
      log->debug("outbound: {} free slots, {} known peers, {} candidates", want, records.size(),
                 candidates.size());
      for (const auto& record : candidates) {
        boost::system::error_code ec;
        auto address = asio::ip::make_address(record.ip, ec);
        if (ec) continue;
        // Inside a banned subnet (its own record is not banned).
        if (store->is_ip_banned(record.ip, now)) continue;
        // Not yet eligible by its own backoff: skip (the selector asked only for Inaccessible).
        auto it = backoffs.find(record.id);
        if (it != backoffs.end() && !it->second.eligible(steady_now)) continue;
        auto token = slots.try_reserve(SlotKind::outbound);
        if (!token) break;
        dial(tcp::endpoint(address, record.port), SlotKind::outbound, std::move(*token), record.id);
      }
      schedule_refill();
    }
  }

  // -seednode: one-shot dials take free automatic slots first (SV's ProcessOneShot).
  void dial_seed_nodes() {
    while (seeds.pending()) {
      auto token = slots.try_reserve(SlotKind::outbound);
      if (!token) return;
      const auto ep = *seeds.next();
      seeds.dialled(next_id, conn::Clock::now() + config.seed_node_timeout);
      log->info("seed node {}: one-shot dial for addresses", fmt::streamed(ep));
      dial(ep, SlotKind::outbound, std::move(*token), std::string(), true);
    }
    schedule_seed_timer();
  }

  // Ends the one-shot connections whose addr did not arrive in time.
  void schedule_seed_timer() {
    const auto at = seeds.next_deadline();
    if (!at || stopping) return;
    seed_timer->expires_at(*at);
    seed_timer->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopping) return;
      for (auto id : self->seeds.expired(conn::Clock::now())) {
        auto it = self->connections.find(id);
        if (it == self->connections.end()) continue;
        self->log->info("seed node {}: no addr in time, leaving it",
                        fmt::streamed(it->second.connection->endpoint()));
        self->seeds.ended(id);
        it->second.connection->disconnect(conn::DisconnectReason::local_request);
      }
      self->schedule_seed_timer();
    });
  }

  // Refills on events; this timer only covers peers whose backoff elapses later.
  void schedule_refill() {
    if (stopping || config.mode != OutboundMode::normal) return;
    if (slots.available(SlotKind::outbound) == 0) return;
    fill_timer.expires_after(std::chrono::seconds(1));
    fill_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->fill_outbound();
    });
  }

  void schedule_manual() {
    if (stopping) return;
    dial_manual_peers();
    manual_timer.expires_after(config.manual_retry);
    manual_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->schedule_manual();
    });
  }

  // Coalesced: a burst of events (thousands of connections closing at once) queued on the
  // strand ends in one refill after them, not one scan of every connection per event.
  void request_refill(bool manual_too) {
    refill_manual = refill_manual || manual_too;
    if (refill_pending || stopping) return;
    refill_pending = true;
    asio::post(strand, [self = shared_from_this()] {
      self->refill_pending = false;
      if (self->stopping) return;
      if (std::exchange(self->refill_manual, false)) self->dial_manual_peers();
      self->fill_outbound();
    });
  }

  void dial_manual_peers() {
    if (stopping) return;
    settle_deferred_failures();
    auto busy = busy_endpoints();
    const auto now = unix_now();
    for (const auto& ep : manual) {
      if (busy.count(ep)) continue;
      const auto ip = ip_text(ep.address());
      // Already connected to us (its dial won or came first), or its dial is on its way after
      // it refused ours: dialling would only make a duplicate. Re-checked when that ends.
      if (connected_inbound(ip) || deferred_failures.count(ip)) continue;
      if (store->is_ip_banned(ip, now)) continue;
      auto token = slots.try_reserve(SlotKind::manual);
      if (!token) break;
      auto added = store->add(ip, ep.port(), peer::PeerSource::manual, now);
      dial(ep, SlotKind::manual, std::move(*token), added ? added->id : std::string());
    }
  }

  void dial(const tcp::endpoint& ep, SlotKind kind, SlotToken token, const std::string& store_id,
            bool one_shot = false) {
    auto cfg = config.connection;
    if (one_shot) cfg.restart.enabled = false;
    // Manual peers: outbound restarts are the Manager's job here (it owns the backoff per
    // peer). -addnode peers (not -connect ones) are never punished for misbehaviour, as in SV.
    cfg.restart.enabled = kind == SlotKind::manual ? false : cfg.restart.enabled;
    cfg.policy.addnode_peer = kind == SlotKind::manual &&
                              std::find(config.fixed_peers.begin(), config.fixed_peers.end(), ep) ==
                                  config.fixed_peers.end();
    if (config.outbound_bind_address) cfg.local_address = config.outbound_bind_address;
    const std::uint64_t id = next_id++;
    auto c = conn::PeerConnection::outbound(io, ep, cfg, event_handler(), nonces, id);
    Live live;
    live.connection = c;
    live.slot.emplace(std::move(token));
    live.kind = kind;
    live.store_id = store_id;
    live.ip = ip_text(ep.address());
    connections.emplace(id, std::move(live));
    dial_ids.insert(id);
    if (!store_id.empty()) (void)store->mark_attempt(store_id, unix_now());
    update_counts(id);
    c->start();
  }

  // --- inbound --------------------------------------------------------------------------

  void on_accept(tcp::socket socket) {
    boost::system::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (ec || stopping) return;
    const std::string ip = ip_text(remote.address());
    auto refuse = [&](const std::string& why) {
      log->info("refused inbound {}: {}", endpoint_text(remote), why);
      hub.publish(ConnectionRejected{remote, why});
      boost::system::error_code ignored;
      socket.set_option(asio::socket_base::linger(true, 0), ignored);
      socket.close(ignored);
    };
    // Whitelisted peers are exempt from bans and the per-IP and rate limits, as in SV.
    const bool whitelisted = whitelist.contains(remote.address());
    if (!whitelisted && store->is_ip_banned(ip, unix_now())) return refuse("banned");
    if (!allowlist.empty()) {
      bool allowed = false;
      for (const auto& a : allowlist)
        allowed = allowed || a.contains(remote.address());
      if (!allowed) return refuse("not on the inbound allowlist");
    }
    if (!whitelisted && config.max_inbound_per_ip > 0) {
      std::size_t n = 0;
      for (const auto& [id, live] : connections) {
        n += live.kind == SlotKind::inbound && live.ip == ip ? 1 : 0;
      }
      if (n >= config.max_inbound_per_ip) return refuse("too many connections from this IP");
    }
    if (!whitelisted && config.max_accepts_per_second > 0) {
      const auto now = conn::Clock::now();
      const double rate = config.max_accepts_per_second;
      accept_tokens =
          std::min(rate, accept_tokens +
                             rate * std::chrono::duration<double>(now - accept_tokens_at).count());
      accept_tokens_at = now;
      if (accept_tokens < 1.0) return refuse("accept rate limit");
      accept_tokens -= 1.0;
    }
    // A peer we are dialling or connected to outbound: keep one connection, the one both ends
    // pick (duplicate_rule). Our own address may carry other nodes, told apart only by their
    // listening port, which an inbound does not show (its port is ephemeral and SV's version
    // leaves addr_from empty): such an inbound is never a duplicate, and dials to our address
    // stand on their endpoint alone.
    boost::system::error_code local_ec;
    const auto local = socket.local_endpoint(local_ec);
    const bool same_host = !local_ec && ip_text(local.address()) == ip;
    std::vector<std::uint64_t> our_dials;
    if (!same_host) {
      std::vector<tcp::endpoint> dialled;
      for (const auto id : dial_ids) {
        const auto& live = connections.at(id);
        if (live.connection->direction() != conn::Direction::outbound || live.ip != ip) continue;
        dialled.push_back(live.connection->endpoint());
        our_dials.push_back(id);
      }
      if (judge_inbound(local_listen_endpoint(), dialled) == InboundDuplicate::refuse) {
        return refuse("duplicate of an outbound connection");
      }
      // Its dial reached us: the reset of ours was its refusal of a duplicate, not a failure.
      deferred_failures.erase(ip);
    }
    auto token = slots.try_reserve(SlotKind::inbound);
    const bool with_slot = token.has_value();
    auto cfg = config.connection;
    cfg.policy.whitelisted = whitelisted;
    // No free slot: complete the handshake politely, then close (SV-style over-capacity);
    // only a few at a time, so a storm of connects cannot grow the node without bound.
    if (!token) {
      const std::size_t polite = connections.size() - slot_total;  // kept by update_counts()
      if (polite >= kMaxPoliteRejections) return refuse("no free slot");
      cfg.policy.reject_after_handshake = true;
    }
    const std::uint64_t id = next_id++;
    auto c = conn::PeerConnection::inbound(std::move(socket), cfg, event_handler(), nonces, id);
    Live live;
    live.connection = c;
    if (token) live.slot.emplace(std::move(*token));
    live.kind = SlotKind::inbound;
    live.ip = ip;
    live.same_host = same_host;
    live.whitelisted = whitelisted;
    connections.emplace(id, std::move(live));
    // Its dial won: the peer refuses ours or will drop it, so we close ours first. Not when it
    // is only handshaked politely for lack of a slot: then ours is all there will be.
    if (with_slot) {
      for (auto dial_id : our_dials) {
        auto& ours = connections.at(dial_id);
        log->debug("closing our dial to {}: its dial to us wins",
                   fmt::streamed(ours.connection->endpoint()));
        ours.duplicate = true;
        ours.connection->disconnect(conn::DisconnectReason::local_request);
      }
    }
    update_counts(id);
    c->start();
  }

  // Whether `ip` is connected to us inbound (handshaking or handshaked), as far as an IP tells:
  // a polite over-capacity inbound is about to close, and one from our own address may be any
  // node of this host.
  bool connected_inbound(const std::string& ip) const {
    for (const auto& [id, live] : connections) {
      if (live.kind == SlotKind::inbound && live.slot && !live.same_host && live.ip == ip) {
        return true;
      }
    }
    return false;
  }

  // Our own listening or dialling address: the peer there cannot tell our dial from those of
  // other nodes on its host, so never refuses it as a duplicate.
  bool own_address(const std::string& ip) const {
    if (config.outbound_bind_address && ip_text(*config.outbound_bind_address) == ip) return true;
    for (const auto& ep : local_listen_endpoints()) {
      if (ip_text(ep.address()) == ip) return true;
    }
    return false;
  }

  // A deferred failure whose peer did not dial us within the connect timeout was real.
  void settle_deferred_failures() {
    const auto now = conn::Clock::now();
    std::erase_if(deferred_failures, [&](const auto& entry) {
      const auto& d = entry.second;
      if (now < d.until) return false;
      record_failure(d.store_id, d.reason, d.detail, false);
      return true;
    });
  }

  std::vector<tcp::endpoint> local_listen_endpoints() const {
    std::lock_guard lock(info_mutex);
    return bound_endpoints;
  }

  std::optional<tcp::endpoint> local_listen_endpoint() const {
    std::lock_guard lock(info_mutex);
    if (bound_endpoints.empty()) return std::nullopt;
    return bound_endpoints.front();
  }

  // --- events from connections ----------------------------------------------------------

  conn::EventHandler event_handler() {
    std::weak_ptr<Impl> weak = shared_from_this();
    // The metrics see every event on the connection's own strand (an atomic add or two), then
    // the user's observer.
    conn::EventHandler observer =
        [user = config.connection_observer, m = metrics,
         track = std::make_shared<NodeMetrics::ConnectionTrack>()](const conn::ConnectionEvent& e) {
          m->observe(e, *track, conn::Clock::now());
          if (user) user(e);
        };
    return [weak, observer = std::move(observer)](const conn::ConnectionEvent& e) {
      if (observer) observer(e);
      // Streamed chunks point into the connection's buffer: not forwarded across strands.
      if (std::holds_alternative<conn::PayloadChunk>(e.body)) return;
      auto self = weak.lock();
      if (!self) return;
      // Keep-alive and other traffic the Manager does not act on crosses to its strand only
      // when someone subscribed to messages (at 10,000 peers, pings alone are 4,000 posts/s).
      if (const auto* m = std::get_if<conn::MessageReceived>(&e.body)) {
        if (!manager_acts_on(m->message) && !self->hub.wants_messages()) return;
      }
      asio::post(self->strand, [self, e] { self->on_connection_event(e); });
    };
  }

  void on_connection_event(const conn::ConnectionEvent& e) {
    auto it = connections.find(e.peer.id);
    if (it == connections.end()) return;
    Live& live = it->second;
    const auto now = unix_now();
    std::visit(
        [&](const auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, conn::HandshakeDone>) {
            if (live.duplicate) return;  // closing: never counted as a connection
            live.handshaked = true;
            live.version = body.peer_version;
            live.connected_since = now;
            live.time_offset = body.peer_version.timestamp - now;
            if (live.kind == SlotKind::inbound && live.store_id.empty()) {
              // Dialled back only where it says it listens (inbound_address.hpp); an inbound
              // that does not say stays out of the store, or an addr may still announce it.
              if (auto at =
                      announced_listen_address(body.peer_version, live.ip, addr_filter, now)) {
                if (auto a = store->add(at->ip, at->port, peer::PeerSource::inbound, now)) {
                  live.store_id = a->id;
                }
              }
            }
            if (!live.store_id.empty()) {
              (void)store->mark_success(live.store_id, body.peer_version.user_agent,
                                        body.peer_version.services, now);
              backoffs.erase(live.store_id);
            }
            hub.publish(ConnectionEstablished{e.peer, body.peer_version});
            if (seeds.is_one_shot(e.peer.id) ||
                (live.kind != SlotKind::inbound && config.getaddr_on_outbound &&
                 config.mode == OutboundMode::normal)) {
              live.connection->send(wire::GetAddr{});
            }
            if (live.kind != SlotKind::inbound && config.listen) advertise_self(live, e.peer);
            update_counts(e.peer.id);
            evaluate_health();
          } else if constexpr (std::is_same_v<T, conn::MessageReceived>) {
            if (!live.duplicate) on_message(e.peer, live, body.message);
          } else if constexpr (std::is_same_v<T, conn::BanRequested>) {
            const auto until =
                now + std::chrono::duration_cast<std::chrono::seconds>(body.duration).count();
            apply_ban(live.ip, std::string(conn::to_string(body.reason)), until);
          } else if constexpr (std::is_same_v<T, conn::Misbehaviour>) {
            live.misbehaviour = body.score;
            update_counts(e.peer.id);
          } else if constexpr (std::is_same_v<T, conn::RestartScheduled>) {
            if (!live.store_id.empty()) (void)store->mark_restart(live.store_id);
          } else if constexpr (std::is_same_v<T, conn::StateChanged>) {
            const bool final_state =
                body.to == conn::PeerState::failed || body.to == conn::PeerState::rejected;
            if (body.to == conn::PeerState::disconnected && live.handshaked) {
              live.handshaked = false;  // an outbound restart: lost, may come back
              hub.publish(ConnectionLost{e.peer, *body.reason, body.detail});
              update_counts(e.peer.id);
              evaluate_health();
            }
            if (final_state) on_connection_end(it, e.peer, body);
          }
        },
        e.body);
  }

  void on_connection_end(std::map<std::uint64_t, Live>::iterator it, const conn::PeerIdentity& peer,
                         const conn::StateChanged& change) {
    Live& live = it->second;
    const auto reason = change.reason.value_or(conn::DisconnectReason::network_error);
    const auto detail = live.duplicate
                            ? std::string("duplicate: the peer's connection to us is kept")
                            : change.detail;
    if (live.handshaked) {
      hub.publish(ConnectionLost{peer, reason, detail});
    } else {
      hub.publish(ConnectionFailed{peer, reason, detail});
    }
    if (!live.store_id.empty() && live.kind != SlotKind::inbound && !stopping && !live.duplicate) {
      if (!own_address(live.ip) &&
          maybe_refused_duplicate(local_listen_endpoint(), live.connection->endpoint(),
                                  live.handshaked, reason)) {
        // Counted only if the peer's own dial, which would explain the reset, does not reach
        // us within the connect timeout; the peer is not dialled again meanwhile.
        log->debug("{} ended our dial before the handshake: a duplicate if it dials us",
                   fmt::streamed(live.connection->endpoint()));
        deferred_failures.insert_or_assign(
            live.ip, DeferredFailure{live.store_id, reason, detail,
                                     conn::Clock::now() + config.connection.connect_timeout});
      } else {
        record_failure(live.store_id, reason, detail, live.handshaked);
      }
    }
    seeds.ended(peer.id);
    const bool inbound_gone = live.kind == SlotKind::inbound && live.slot && !live.same_host;
    {
      // Folded in under the lock that peers' copies are read under, so traffic_totals() never
      // counts this connection twice or not at all.
      auto traffic = live.connection->traffic();
      std::lock_guard lock(info_mutex);
      closed_traffic.merge(traffic);
      snapshots.erase(peer.id);
    }
    // The slot goes back exactly once: the token is destroyed with the entry.
    connections.erase(it);
    dial_ids.erase(peer.id);
    update_counts(peer.id);
    evaluate_health();
    if (stopping) return;
    // A manual peer is not dialled while it is connected to us inbound: now it may be.
    request_refill(inbound_gone);
  }

  void record_failure(const std::string& store_id, conn::DisconnectReason reason,
                      const std::string& detail, bool was_connected) {
    (void)store->mark_failure(
        store_id, std::string(conn::to_string(reason)) + (detail.empty() ? "" : ": " + detail));
    const auto kind = conn::failure_kind_of(reason);
    if (!kind) return;
    auto [b, inserted] = backoffs.try_emplace(store_id, config.dial_backoff);
    if (was_connected) b->second.record_success();
    const auto decision = b->second.record_failure(*kind, conn::Clock::now());
    if (decision.action != conn::BackoffAction::retry) {
      (void)store->set_status(store_id, peer::PeerStatus::inaccessible, unix_now());
    }
  }

  void on_message(const conn::PeerIdentity& peer, Live& live, const wire::Message& message) {
    if (const auto* addr = std::get_if<wire::Addr>(&message)) {
      const auto now = unix_now();
      const auto filtered = addr_filter.filter(addr->entries, now);
      const auto& accepted = filtered.candidates;
      const auto& c = filtered.counts;
      if (accepted.size() < addr->entries.size()) {
        log->debug(
            "addr from {}: dropped {} over limit, {} without services, {} unusable, {} too old, "
            "{} duplicate",
            fmt::streamed(peer.endpoint), c.over_limit, c.missing_services, c.unusable_address,
            c.too_old, c.duplicate);
      }
      std::size_t added = 0;
      wire::Addr relay;
      for (std::size_t i = 0; i < accepted.size(); ++i) {
        const auto& a = accepted[i];
        // SV keeps, from an inbound peer, only an entry for the peer's own IP (no poisoning
        // of our table through connections anyone can open).
        if (live.kind == SlotKind::inbound && a.ip != live.ip) continue;
        if (store->is_ip_banned(a.ip, now)) continue;
        auto r = store->add(a.ip, a.port, peer::PeerSource::addr, now);
        if (r && r->inserted) {
          ++added;
          if (now - a.time <= kAddrRelayMaxAge) relay.entries.push_back(addr->entries[i]);
        }
      }
      log->debug("addr from {}: {} entries, {} usable, {} new", fmt::streamed(peer.endpoint),
                 addr->entries.size(), accepted.size(), added);
      hub.publish(DiscoveryResult{"addr", accepted.size(), added, ""});
      // Like SV: small messages of fresh, new addresses go on to two inbound peers.
      if (addr->entries.size() <= kAddrRelayMaxEntries && !relay.entries.empty()) {
        relay_addr(peer.id, relay);
      }
      if (added > 0) request_refill(false);
      if (seeds.is_one_shot(peer.id)) {
        log->info("seed node {}: {} addresses, leaving it", fmt::streamed(peer.endpoint),
                  addr->entries.size());
        seeds.ended(peer.id);
        live.connection->disconnect(conn::DisconnectReason::local_request);
      }
    } else if (std::holds_alternative<wire::GetAddr>(message)) {
      // Answered once per connection, only to inbound peers (SV's anti-fingerprinting rule).
      if (live.kind == SlotKind::inbound && !live.getaddr_answered) {
        live.getaddr_answered = true;
        live.connection->send(make_addr_answer());
      }
    } else if (const auto* inv = std::get_if<wire::Inv>(&message)) {
      for (const auto& item : inv->items)
        live.known_inventory.insert(item.hash);
    }
    hub.publish(MessageEvent{peer, message});
  }

  void relay_addr(std::uint64_t from, const wire::Addr& relay) {
    std::vector<Live*> targets;
    for (auto& [id, live] : connections) {
      if (id != from && live.handshaked && live.kind == SlotKind::inbound) targets.push_back(&live);
    }
    std::shuffle(targets.begin(), targets.end(), relay_rng);
    if (targets.size() > 2) targets.resize(2);
    for (auto* t : targets)
      t->connection->send(relay);
  }

  // Like SV's addrman sample: the peers we know and may dial (Valid first, then Unknown),
  // never banned or given-up ones, at most 1000.
  wire::Addr make_addr_answer() {
    wire::Addr answer;
    const auto now = unix_now();
    for (auto status : {peer::PeerStatus::valid, peer::PeerStatus::unknown}) {
      for (const auto& r : store->list(status)) {
        if (answer.entries.size() >= wire::kMaxAddrEntries) return answer;
        auto ip = wire::NetAddress::parse_ip(r.ip);
        if (!ip || r.port == 0) continue;
        wire::TimedNetAddress t;
        t.time = static_cast<std::uint32_t>(r.last_success.value_or(r.status_since));
        if (t.time == 0) t.time = static_cast<std::uint32_t>(now);
        t.addr.services = r.services;
        t.addr.ip = *ip;
        t.addr.port = r.port;
        answer.entries.push_back(t);
      }
    }
    return answer;
  }

  // -externalip: our address to a peer we dialled, as SV sends it after the peer's version.
  void advertise_self(Live& live, const conn::PeerIdentity& peer) {
    if (config.external_addresses.empty()) return;
    const auto listening = local_listen_endpoint();
    const auto port = listening ? listening->port() : config.connection.network.default_port;
    auto entry =
        self_advertisement(config.external_addresses, peer.endpoint.address(), port,
                           config.connection.services, static_cast<std::uint32_t>(unix_now()));
    if (!entry) return;
    wire::Addr addr;
    addr.entries.push_back(*entry);
    live.connection->send(std::move(addr));
  }

  // --- bans -----------------------------------------------------------------------------

  void apply_ban(const std::string& ip, const std::string& reason, std::int64_t until) {
    const auto now = unix_now();
    // A record on the default port makes sure the ban is stored even for an IP we never knew;
    // then every record of this IP is banned, so no port of it is dialled.
    (void)store->add(ip, config.connection.network.default_port, peer::PeerSource::inbound, now);
    for (const auto& r : store->snapshot()) {
      if (r.ip == ip) (void)store->ban(r.id, reason, until, now);
    }
    log->warn("banned {} until {}: {}", ip, until, reason);
    hub.publish(PeerBanned{ip, reason, until});
    for (auto& [id, live] : connections) {
      if (live.ip == ip) live.connection->disconnect(conn::DisconnectReason::local_request);
    }
  }

  void apply_unban(const std::string& ip) {
    const auto now = unix_now();
    bool any = false;
    for (const auto& r : store->snapshot()) {
      if (r.ip == ip && r.status == peer::PeerStatus::banned) {
        (void)store->unban(r.id, now);
        backoffs.erase(r.id);
        any = true;
      }
    }
    if (any) hub.publish(PeerUnbanned{ip});
  }

  // The store changed already (on the caller's thread, so the RPC reads its own write); what
  // needs the strand follows here.
  void after_subnet_ban(const peer::Subnet& subnet, const std::string& reason, std::int64_t until) {
    log->warn("banned {} until {}: {}", subnet.to_string(), until, reason);
    hub.publish(PeerBanned{subnet.to_string(), reason, until});
    for (auto& [id, live] : connections) {
      if (subnet.contains(std::string_view(live.ip))) {
        live.connection->disconnect(conn::DisconnectReason::local_request);
      }
    }
    persist(false);
  }

  void after_unban(const std::vector<std::string>& ips, const std::string& what) {
    for (const auto& r : store->snapshot()) {
      if (std::find(ips.begin(), ips.end(), r.ip) != ips.end()) backoffs.erase(r.id);
    }
    hub.publish(PeerUnbanned{what});
    persist(false);
  }

  void update_manual_copy() {
    std::lock_guard lock(info_mutex);
    manual_copy.assign(manual.begin(), manual.end());
  }

  // --- health and figures ---------------------------------------------------------------

  void evaluate_health() {
    const auto now = conn::Clock::now();
    // Counted by update_counts(), which runs on every change of a connection's handshake.
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
    if (auto at = health.next_deadline()) {
      health_timer.expires_at(*at);
      health_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) self->evaluate_health();
      });
    }
  }

  // Figures and per-peer copies for readers on other threads. `changed`: the one connection
  // that was added, changed or removed (its copy alone is rebuilt, so an event costs no copy
  // of every peer); nullopt rebuilds all.
  // The counts are kept incrementally: `counted` holds what each connection added when last
  // counted, so one event costs O(log n), not a walk of every connection (at thousands of
  // peers that walk was a large share of each handshake's CPU).
  void update_counts(std::optional<std::uint64_t> changed = std::nullopt) {
    auto count = [&](std::uint64_t id, const Live& live) {
      const Counted c{live.handshaked, live.slot.has_value()};
      handshaked_total += c.handshaked ? 1 : 0;
      slot_total += c.slot ? 1 : 0;
      counted.insert_or_assign(id, c);
    };
    if (!changed) {
      counted.clear();
      handshaked_total = slot_total = 0;
      for (const auto& [id, live] : connections)
        count(id, live);
    } else {
      if (auto old = counted.find(*changed); old != counted.end()) {
        handshaked_total -= old->second.handshaked ? 1 : 0;
        slot_total -= old->second.slot ? 1 : 0;
        counted.erase(old);
      }
      if (auto it = connections.find(*changed); it != connections.end())
        count(it->first, it->second);
    }
    connection_count.store(slot_total);
    over_capacity_count.store(connections.size() - slot_total);
    handshaked_count.store(handshaked_total);
    min_connected_peers.store(config.min_connected_peers);
    std::lock_guard lock(info_mutex);
    if (!changed) {
      snapshots.clear();
      for (const auto& [id, live] : connections)
        snapshots.emplace(id, snapshot_of(live));
      return;
    }
    auto it = connections.find(*changed);
    if (it == connections.end()) {
      snapshots.erase(*changed);
    } else {
      snapshots.insert_or_assign(*changed, snapshot_of(it->second));
    }
  }

  static PeerSnapshot snapshot_of(const Live& live) {
    PeerSnapshot snap;
    auto& info = snap.info;
    info.identity = live.connection->identity();
    info.state = live.connection->state();
    info.manual = live.kind == SlotKind::manual;
    info.whitelisted = live.whitelisted;
    info.user_agent = live.version.user_agent;
    info.version = live.version.version;
    info.services = live.version.services;
    info.start_height = live.version.start_height;
    info.connected_since = live.connected_since;
    info.time_offset = live.time_offset;
    info.relay = live.version.relay;
    info.misbehaviour = live.misbehaviour;
    info.store_id = live.store_id;
    snap.connection = live.connection;
    return snap;
  }

  // --- state ----------------------------------------------------------------------------

  asio::any_io_executor io;
  asio::strand<asio::any_io_executor> strand;
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
  std::map<std::uint64_t, Live> connections;
  // update_counts(): each connection's contribution as last counted, and the totals.
  struct Counted {
    bool handshaked = false;
    bool slot = false;
  };
  std::unordered_map<std::uint64_t, Counted> counted;
  std::size_t handshaked_total = 0, slot_total = 0;
  // Our dials (outbound and manual) among `connections`: an inbound is checked against these
  // alone for duplicates, not against every connection.
  std::set<std::uint64_t> dial_ids;
  std::set<tcp::endpoint> manual;
  std::map<std::string, conn::Backoff> backoffs;  // by store id
  // Outbound failures that may be a peer's refusal of our duplicate dial (see
  // on_connection_end), by IP.
  struct DeferredFailure {
    std::string store_id;
    conn::DisconnectReason reason;
    std::string detail;
    conn::TimePoint until;
  };
  std::map<std::string, DeferredFailure> deferred_failures;
  std::vector<AllowEntry> allowlist;
  Whitelist whitelist;
  SeedNodes seeds{config.seed_nodes};
  std::optional<asio::steady_timer> seed_timer;
  double accept_tokens = 0;
  conn::TimePoint accept_tokens_at = conn::Clock::now();
  asio::steady_timer fill_timer, persist_timer, manual_timer, health_timer;
  PeerSelector selector;
  std::mt19937_64 relay_rng{std::random_device{}()};
  NetworkHealth health;
  AddrFilter addr_filter;
  std::uint64_t next_id = 1;
  bool stopping = false;
  bool refill_pending = false;
  bool refill_manual = false;
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

// --- Manager -----------------------------------------------------------------------------

std::shared_ptr<Manager> Manager::create(asio::any_io_executor executor, ManagerConfig config,
                                         std::shared_ptr<peer::PeerStore> store) {
  if (auto e = manager_config_error(config)) throw std::invalid_argument(*e);
  return std::shared_ptr<Manager>(
      new Manager(std::move(executor), std::move(config),
                  store ? std::move(store) : std::make_shared<peer::PeerStore>()));
}

Manager::Manager(asio::any_io_executor executor, ManagerConfig config,
                 std::shared_ptr<peer::PeerStore> store)
    : store_(store),
      impl_(std::make_shared<Impl>(std::move(executor), std::move(config), std::move(store))) {}

Manager::~Manager() = default;

void Manager::start() {
  asio::dispatch(impl_->strand, [impl = impl_] { impl->start(); });
}

std::size_t Manager::connection_count() const noexcept {
  return impl_->connection_count.load();
}
std::size_t Manager::handshaked_count() const noexcept {
  return impl_->handshaked_count.load();
}
std::size_t Manager::over_capacity_count() const noexcept {
  return impl_->over_capacity_count.load();
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
    auto& impl = *self->impl_;
    const bool listeners_changed = config.listen != impl.config.listen ||
                                   config.listen_endpoints != impl.config.listen_endpoints;
    impl.config = std::move(config);
    impl.load_whitelist();
    impl.seeds.reconfigure(impl.config.seed_nodes);
    impl.slots.set_limits(SlotLimits{impl.config.max_connections, impl.config.target_outbound,
                                     impl.config.max_manual});
    for (auto& [id, live] : impl.connections)
      live.connection->update_config(impl.config.connection);
    if (listeners_changed && !impl.stopping) {
      impl.stop_listeners();
      if (impl.config.listen) impl.start_listeners();
    }
    // A lower target closes the newest automatic outbound connections above it.
    std::size_t outbound = impl.slots.count(SlotKind::outbound);
    for (auto it = impl.connections.rbegin();
         it != impl.connections.rend() && outbound > impl.config.target_outbound; ++it) {
      if (it->second.kind == SlotKind::outbound) {
        it->second.connection->disconnect(conn::DisconnectReason::local_request);
        --outbound;
      }
    }
    impl.fill_outbound();
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
        // Never announce a hash to a peer that announced it to us or already got it.
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

void Manager::add_peer(const tcp::endpoint& endpoint, peer::PeerSource source) {
  auto self = shared_from_this();
  asio::post(impl_->strand, [self, endpoint, source] {
    (void)self->impl_->store->add(ip_text(endpoint.address()), endpoint.port(), source, unix_now());
    self->impl_->fill_outbound();
  });
}

void Manager::add_manual_peer(const tcp::endpoint& endpoint) {
  auto self = shared_from_this();
  asio::post(impl_->strand, [self, endpoint] {
    self->impl_->manual.insert(endpoint);
    self->impl_->update_manual_copy();
    self->impl_->dial_manual_peers();
  });
}

void Manager::remove_manual_peer(const tcp::endpoint& endpoint) {
  auto self = shared_from_this();
  asio::post(impl_->strand, [self, endpoint] {
    self->impl_->manual.erase(endpoint);
    self->impl_->update_manual_copy();
    for (auto& [id, live] : self->impl_->connections) {
      if (live.kind == SlotKind::manual && live.connection->endpoint() == endpoint) {
        live.connection->disconnect(conn::DisconnectReason::local_request);
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

std::optional<std::string> Manager::ban(const std::string& ip, const std::string& reason,
                                        std::chrono::seconds duration) {
  auto normalised = peer::normalise_ip(ip);
  if (!normalised) return "not an IP address: '" + ip + "'";
  if (duration.count() <= 0) return std::string("ban duration must be positive");
  const auto until = unix_now() + duration.count();
  auto self = shared_from_this();
  asio::post(impl_->strand, [self, ip = *normalised, reason, until] {
    self->impl_->apply_ban(ip, reason, until);
  });
  return std::nullopt;
}

std::optional<std::string> Manager::unban(const std::string& ip) {
  auto normalised = peer::normalise_ip(ip);
  if (!normalised) return "not an IP address: '" + ip + "'";
  auto self = shared_from_this();
  asio::post(impl_->strand, [self, ip = *normalised] { self->impl_->apply_unban(ip); });
  return std::nullopt;
}

std::optional<std::string> Manager::ban_subnet(const std::string& subnet, const std::string& reason,
                                               std::int64_t until) {
  auto parsed = peer::Subnet::parse(subnet);
  if (!parsed) return "not an IP or subnet: '" + subnet + "'";
  if (until <= unix_now()) return std::string("the ban would be over already");
  store_->ban_subnet(peer::SubnetBan{*parsed, reason, unix_now(), until});
  auto self = shared_from_this();
  asio::post(impl_->strand, [self, s = *parsed, reason, until] {
    self->impl_->after_subnet_ban(s, reason, until);
  });
  return std::nullopt;
}

std::optional<std::string> Manager::unban_subnet(const std::string& subnet) {
  auto parsed = peer::Subnet::parse(subnet);
  if (!parsed) return "not an IP or subnet: '" + subnet + "'";
  bool any = store_->unban_subnet(*parsed);
  std::vector<std::string> ips;
  if (parsed->single_address()) {
    const auto now = unix_now();
    for (const auto& r : store_->list(peer::PeerStatus::banned)) {
      if (parsed->contains(std::string_view(r.ip)) && store_->unban(r.id, now)) {
        any = true;
        ips.push_back(r.ip);
      }
    }
  }
  if (!any) return std::string("not banned: '" + subnet + "'");
  auto self = shared_from_this();
  asio::post(impl_->strand,
             [self, ips, what = parsed->to_string()] { self->impl_->after_unban(ips, what); });
  return std::nullopt;
}

void Manager::clear_bans() {
  store_->clear_subnet_bans();
  const auto now = unix_now();
  std::vector<std::string> ips;
  for (const auto& r : store_->list(peer::PeerStatus::banned)) {
    if (store_->unban(r.id, now)) ips.push_back(r.ip);
  }
  auto self = shared_from_this();
  asio::post(impl_->strand, [self, ips] { self->impl_->after_unban(ips, "every address"); });
}

std::vector<Manager::tcp::endpoint> Manager::manual_peers() const {
  std::lock_guard lock(impl_->info_mutex);
  return impl_->manual_copy;
}

void Manager::connect_once(const tcp::endpoint& endpoint) {
  auto self = shared_from_this();
  asio::post(impl_->strand, [self, endpoint] {
    auto& impl = *self->impl_;
    if (impl.stopping) return;
    const auto ip = ip_text(endpoint.address());
    if (impl.store->is_ip_banned(ip, unix_now())) {
      impl.log->info("onetry {}: banned, not dialled", fmt::streamed(endpoint));
      return;
    }
    auto token = impl.slots.try_reserve(SlotKind::manual);
    if (!token) {
      impl.log->info("onetry {}: no free manual slot", fmt::streamed(endpoint));
      return;
    }
    // Dialled once: not in the manual list, so nobody dials it again when it ends.
    auto added = impl.store->add(ip, endpoint.port(), peer::PeerSource::manual, unix_now());
    impl.dial(endpoint, SlotKind::manual, std::move(*token), added ? added->id : std::string());
  });
}

conn::MessageStats Manager::traffic_totals() const {
  std::vector<std::shared_ptr<conn::PeerConnection>> live;
  conn::MessageStats totals;
  {
    std::lock_guard lock(impl_->info_mutex);
    totals = impl_->closed_traffic;
    for (const auto& [id, snap] : impl_->snapshots)
      live.push_back(snap.connection);
  }
  for (const auto& c : live)
    totals.merge(c->traffic());
  return totals;
}

void Manager::ping_all() {
  auto self = shared_from_this();
  asio::post(impl_->strand, [self] {
    for (auto& [id, live] : self->impl_->connections) {
      if (live.handshaked) live.connection->ping();
    }
  });
}

std::vector<PeerInfo> Manager::peers() const {
  std::vector<Impl::PeerSnapshot> snaps;
  {
    std::lock_guard lock(impl_->info_mutex);
    snaps.reserve(impl_->snapshots.size());
    for (const auto& [id, snap] : impl_->snapshots)
      snaps.push_back(snap);
  }
  std::vector<PeerInfo> infos;
  infos.reserve(snaps.size());
  for (auto& snap : snaps) {
    auto& info = infos.emplace_back(std::move(snap.info));
    const auto& c = *snap.connection;
    info.state = c.state();
    info.bytes_sent = c.bytes_sent();
    info.bytes_received = c.bytes_received();
    info.last_ping_us = c.last_ping_us();
    info.min_ping_us = c.min_ping_us();
    info.last_send = c.last_send_time();
    info.last_receive = c.last_receive_time();
    info.traffic = c.traffic();
    info.send_queue_bytes = c.send_queue_bytes();
    info.send_paused = c.send_paused();
    info.receive_rate_minute = c.receive_rate_minute();
    info.receive_rate_second = c.receive_rate_second();
    info.misbehaviour = c.misbehaviour_score();
  }
  return infos;
}

HealthSnapshot Manager::health() const {
  HealthSnapshot h;
  std::vector<std::shared_ptr<conn::PeerConnection>> live;
  {
    std::lock_guard lock(impl_->info_mutex);
    live.reserve(impl_->snapshots.size());
    for (const auto& [id, snap] : impl_->snapshots)
      live.push_back(snap.connection);
  }
  std::int64_t ping_sum = 0, ping_n = 0;
  for (const auto& c : live) {
    (c->direction() == conn::Direction::inbound ? h.inbound : h.outbound) += 1;
    h.handshaked += c->state() == conn::PeerState::connected ? 1 : 0;
    h.messages_in += c->messages_received();
    h.messages_out += c->messages_sent();
    h.bytes_in += c->bytes_received();
    h.bytes_out += c->bytes_sent();
    if (c->last_ping_us() >= 0) {
      ping_sum += c->last_ping_us();
      ++ping_n;
    }
    if (c->min_ping_us() >= 0 && (h.min_ping_us < 0 || c->min_ping_us() < h.min_ping_us)) {
      h.min_ping_us = c->min_ping_us();
    }
  }
  if (ping_n > 0) h.mean_ping_us = ping_sum / ping_n;
  h.store = store_->counts();
  h.isolated = h.handshaked < impl_->min_connected_peers.load();
  return h;
}

std::vector<tcp::endpoint> Manager::listening_endpoints() const {
  std::lock_guard lock(impl_->info_mutex);
  return impl_->bound_endpoints;
}

std::size_t Manager::slot_high_water() const noexcept {
  return impl_->slots.high_water();
}

NodeMetricsSnapshot Manager::metrics() const {
  NodeMetricsSnapshot m;
  m.counters = impl_->metrics->counters();
  // Gauges from live state, read now: O(connections) per scrape, nothing per event.
  constexpr conn::PeerState kLive[] = {conn::PeerState::connecting,
                                       conn::PeerState::awaiting_handshake,
                                       conn::PeerState::connected, conn::PeerState::disconnected};
  for (auto d : {conn::Direction::outbound, conn::Direction::inbound}) {
    for (auto st : kLive)
      m.connections.push_back({d, st, 0});
  }
  std::vector<std::shared_ptr<conn::PeerConnection>> live;
  {
    std::lock_guard lock(impl_->info_mutex);
    live.reserve(impl_->snapshots.size());
    for (const auto& [id, snap] : impl_->snapshots)
      live.push_back(snap.connection);
  }
  for (const auto& c : live) {
    const auto st = c->state();
    m.handshaked += st == conn::PeerState::connected ? 1 : 0;
    for (auto& cc : m.connections) {
      if (cc.direction == c->direction() && cc.state == st) ++cc.count;
    }
  }
  m.over_capacity = impl_->over_capacity_count.load();
  m.store = store_->counts();
  const auto limits = impl_->slots.limits();
  m.slots = {{SlotKind::outbound, impl_->slots.count(SlotKind::outbound), limits.target_outbound},
             {SlotKind::manual, impl_->slots.count(SlotKind::manual), limits.max_manual},
             {SlotKind::inbound, impl_->slots.count(SlotKind::inbound), limits.max_inbound()}};
  m.isolated = m.handshaked < impl_->min_connected_peers.load();
  m.event_hub_dropped = impl_->hub.overflows();
  // Commands in name order, each with both directions (zero where it never went that way).
  const auto traffic = traffic_totals();
  std::map<std::string, NodeMetricsSnapshot::CommandTraffic, std::less<>> by_command;
  for (const auto& [command, t] : traffic.sent) {
    auto& c = by_command[command];
    c.messages_sent = t.messages;
    c.bytes_sent = t.bytes;
  }
  for (const auto& [command, t] : traffic.received) {
    auto& c = by_command[command];
    c.messages_received = t.messages;
    c.bytes_received = t.bytes;
  }
  for (auto& [command, c] : by_command) {
    c.command = command;
    m.traffic.push_back(std::move(c));
  }
  return m;
}

}  // namespace bsvpeer::node
