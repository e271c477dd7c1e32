// What readers on other threads see: the counts, a copy of each peer's figures kept up to
// date on the strand (one peer's copy per event), and the snapshots, health and metrics built
// from them on demand (O(connections) per read, nothing per event).
#include "manager_impl.hpp"

namespace bsvpeer::node {

// `changed`: the one connection that was added, changed or removed (its copy alone is
// rebuilt, so an event costs no copy of every peer); nullopt rebuilds all.
void Manager::Impl::update_counts(std::optional<std::uint64_t> changed) {
  auto count = [&](std::uint64_t id, const Live& live) {
    counts.set(id, live.handshaked, live.slot.has_value());
  };
  if (!changed) {
    counts.clear();
    for (const auto& [id, live] : connections)
      count(id, live);
  } else if (auto it = connections.find(*changed); it != connections.end()) {
    count(it->first, it->second);
  } else {
    counts.remove(*changed);
  }
  connection_count.store(counts.with_slot());
  over_capacity_count.store(connections.size() - counts.with_slot());
  handshaked_count.store(counts.handshaked());
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

Manager::Impl::PeerSnapshot Manager::Impl::snapshot_of(const Live& live) {
  PeerSnapshot snap;
  auto& info = snap.info;
  info.identity = live.connection->identity();
  info.state = live.connection->state();
  info.manual = live.kind == SlotKind::manual;
  info.whitelisted = live.role.whitelisted;
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

std::vector<std::shared_ptr<conn::PeerConnection>> Manager::Impl::live_connections() const {
  std::vector<std::shared_ptr<conn::PeerConnection>> live;
  std::lock_guard lock(info_mutex);
  live.reserve(snapshots.size());
  for (const auto& [id, snap] : snapshots)
    live.push_back(snap.connection);
  return live;
}

// --- the public API's readers ------------------------------------------------------------

std::size_t Manager::connection_count() const noexcept {
  return impl_->connection_count.load();
}
std::size_t Manager::handshaked_count() const noexcept {
  return impl_->handshaked_count.load();
}
std::size_t Manager::over_capacity_count() const noexcept {
  return impl_->over_capacity_count.load();
}
std::size_t Manager::slot_high_water() const noexcept {
  return impl_->slots.high_water();
}

std::vector<Manager::tcp::endpoint> Manager::listening_endpoints() const {
  std::lock_guard lock(impl_->info_mutex);
  return impl_->bound_endpoints;
}

std::vector<Manager::tcp::endpoint> Manager::manual_peers() const {
  std::lock_guard lock(impl_->info_mutex);
  return impl_->manual_copy;
}

conn::MessageStats Manager::traffic_totals() const {
  std::vector<std::shared_ptr<conn::PeerConnection>> live;
  conn::MessageStats totals;
  {
    // Under the lock a closing connection's traffic moves to closed_traffic under, so each
    // connection is counted exactly once.
    std::lock_guard lock(impl_->info_mutex);
    totals = impl_->closed_traffic;
    for (const auto& [id, snap] : impl_->snapshots)
      live.push_back(snap.connection);
  }
  for (const auto& c : live)
    totals.merge(c->traffic());
  return totals;
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
  std::int64_t ping_sum = 0, ping_n = 0;
  for (const auto& c : impl_->live_connections()) {
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
  for (const auto& c : impl_->live_connections()) {
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
