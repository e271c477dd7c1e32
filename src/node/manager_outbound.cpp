// The Manager's dials: automatic outbound refills from the store, -seednode one-shots, manual
// peers (-addnode, -connect, RPC addnode/onetry), and what a failed dial does to the peer's
// next one. The decisions are in redial_policy.hpp and peer_selector.hpp.
#include "manager_impl.hpp"

#include <bsvpeer/conn/failure_kind_of.hpp>
#include <bsvpeer/net/address_text.hpp>
#include <bsvpeer/node/netgroup.hpp>

#include <boost/asio/post.hpp>
#include <fmt/ostream.h>

#include <algorithm>

namespace bsvpeer::node {

using net::ip_text;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

void Manager::Impl::fill_outbound() {
  if (stopping || config.mode != OutboundMode::normal) return;
  dial_seed_nodes();
  const auto now = unix_now();
  const auto steady_now = conn::Clock::now();
  const std::size_t want = slots.available(SlotKind::outbound);
  if (want == 0) return;
  std::set<peer::PeerEndpoint> dialled;
  std::set<NetGroup> groups;
  std::set<std::string> live_ips;
  for (const auto& [id, live] : connections) {
    live_ips.insert(live.ip);
    if (live.connection->direction() != conn::Direction::outbound) continue;
    const auto& ep = live.connection->endpoint();
    if (auto pe = peer::make_peer_endpoint(live.ip, ep.port())) dialled.insert(*pe);
    if (live.kind == SlotKind::outbound) groups.insert(netgroup_of(ep.address()));
  }
  settle_deferred_failures();
  for (auto& ip : redial.deferred_ips())
    live_ips.insert(std::move(ip));
  const auto records = store->snapshot();
  const auto busy = busy_endpoints(records, std::move(dialled), live_ips, local_listen_endpoints());
  SelectionRequest request;
  request.peers = records;
  request.busy = &busy;
  request.outbound_netgroups = &groups;
  request.now = now;
  request.inaccessible_eligible = [&](const peer::PeerRecord& r) {
    return redial.eligible(r.id, steady_now);
  };
  request.max_count = redial.candidates_wanted(want);
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
    if (!redial.eligible(record.id, steady_now)) continue;
    auto token = slots.try_reserve(SlotKind::outbound);
    if (!token) break;
    dial(tcp::endpoint(address, record.port), SlotKind::outbound, std::move(*token), record.id);
  }
  schedule_refill();
}

// -seednode: one-shot dials take free automatic slots first (SV's ProcessOneShot).
void Manager::Impl::dial_seed_nodes() {
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
void Manager::Impl::schedule_seed_timer() {
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
void Manager::Impl::schedule_refill() {
  if (stopping || config.mode != OutboundMode::normal) return;
  if (slots.available(SlotKind::outbound) == 0) return;
  // One wait at a time: re-arming it on every refill would cost a cancelled wait and a
  // timerfd_settime per event, and a steady stream of events would keep pushing it back.
  if (refill_timer_armed) return;
  refill_timer_armed = true;
  fill_timer.expires_after(std::chrono::seconds(1));
  fill_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    self->refill_timer_armed = false;
    if (!ec) self->fill_outbound();
  });
}

void Manager::Impl::schedule_manual() {
  if (stopping) return;
  dial_manual_peers();
  manual_timer.expires_after(config.manual_retry);
  manual_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->schedule_manual();
  });
}

// Coalesced: a burst of events (thousands of connections closing at once) queued on the
// strand ends in one refill after them, not one scan of every connection per event.
void Manager::Impl::request_refill(bool manual_too) {
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

std::set<tcp::endpoint> Manager::Impl::busy_outbound_endpoints() const {
  std::set<tcp::endpoint> busy;
  for (const auto& [id, live] : connections) {
    if (live.connection->direction() == conn::Direction::outbound) {
      busy.insert(live.connection->endpoint());
    }
  }
  return busy;
}

void Manager::Impl::dial_manual_peers() {
  if (stopping) return;
  settle_deferred_failures();
  auto busy = busy_outbound_endpoints();
  const auto now = unix_now();
  for (const auto& ep : manual) {
    if (busy.count(ep)) continue;
    const auto ip = ip_text(ep.address());
    // The operator's peer is in the store whether or not we dial it now.
    auto added = store->add(ip, ep.port(), peer::PeerSource::manual, now);
    // Already connected to us (its dial won or came first), or its dial is on its way after
    // it refused ours: dialling would only make a duplicate. Re-checked when that ends.
    if (connected_inbound(ip) || redial.deferred(ip)) continue;
    if (store->is_ip_banned(ip, now)) continue;
    auto token = slots.try_reserve(SlotKind::manual);
    if (!token) break;
    dial(ep, SlotKind::manual, std::move(*token), added ? added->id : std::string());
  }
}

// RPC addnode onetry: dialled once, not in the manual list, so nobody dials it again.
void Manager::Impl::dial_once(const tcp::endpoint& endpoint) {
  if (stopping) return;
  const auto ip = ip_text(endpoint.address());
  if (store->is_ip_banned(ip, unix_now())) {
    log->info("onetry {}: banned, not dialled", fmt::streamed(endpoint));
    return;
  }
  auto token = slots.try_reserve(SlotKind::manual);
  if (!token) {
    log->info("onetry {}: no free manual slot", fmt::streamed(endpoint));
    return;
  }
  auto added = store->add(ip, endpoint.port(), peer::PeerSource::manual, unix_now());
  dial(endpoint, SlotKind::manual, std::move(*token), added ? added->id : std::string());
}

void Manager::Impl::dial(const tcp::endpoint& ep, SlotKind kind, SlotToken token,
                         const std::string& store_id, bool one_shot) {
  ConnectionRole role;
  role.outbound = true;
  // Manual peers: outbound restarts are the Manager's job here (it owns the backoff per
  // peer). -addnode peers (not -connect ones) are never punished for misbehaviour, as in SV.
  role.restart = !one_shot && kind != SlotKind::manual;
  role.addnode_peer = kind == SlotKind::manual &&
                      std::find(config.fixed_peers.begin(), config.fixed_peers.end(), ep) ==
                          config.fixed_peers.end();
  const std::uint64_t id = next_id++;
  auto c = conn::PeerConnection::outbound(conn::SerialExecutor{connection_executor()}, ep,
                                          connection_config(role), event_handler(), nonces, id);
  Live live;
  live.connection = c;
  live.role = role;
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

// A deferred failure whose peer did not dial us within the connect timeout was real.
void Manager::Impl::settle_deferred_failures() {
  for (const auto& d : redial.settle(conn::Clock::now()))
    record_failure(d.store_id, d.reason, d.detail, false);
}

void Manager::Impl::record_failure(const std::string& store_id, conn::DisconnectReason reason,
                                   const std::string& detail, bool was_connected) {
  (void)store->mark_failure(
      store_id, std::string(conn::to_string(reason)) + (detail.empty() ? "" : ": " + detail));
  if (redial.record_failure(store_id, conn::failure_kind_of(reason), was_connected,
                            conn::Clock::now())) {
    (void)store->set_status(store_id, peer::PeerStatus::inaccessible, unix_now());
  }
}

// --- the public API's dialling calls -----------------------------------------------------

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
    self->impl_->disconnect_if([&](const Impl::Live& live) {
      return live.kind == SlotKind::manual && live.connection->endpoint() == endpoint;
    });
  });
}

void Manager::connect_once(const tcp::endpoint& endpoint) {
  auto self = shared_from_this();
  asio::post(impl_->strand, [self, endpoint] { self->impl_->dial_once(endpoint); });
}

}  // namespace bsvpeer::node
