#include <bsvpeer/node/node_metrics.hpp>

#include <algorithm>
#include <type_traits>
#include <variant>

namespace bsvpeer::node {

// --- AtomicHistogram ----------------------------------------------------------------------

AtomicHistogram::AtomicHistogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i)
    buckets_[i].store(0);
}

void AtomicHistogram::observe(double value) noexcept {
  // Prometheus buckets are "less than or equal": a value on a bound counts in that bucket.
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

AtomicHistogram::Snapshot AtomicHistogram::snapshot() const {
  Snapshot s;
  s.upper_bounds = bounds_;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.counts.push_back(running);
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

// --- LabeledCounters ----------------------------------------------------------------------

void LabeledCounters::add(std::string_view label, std::uint64_t n) {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(label);
  if (it == counts_.end()) {
    if (counts_.size() >= max_labels_) label = "other";
    it = counts_.try_emplace(std::string(label), 0).first;
  }
  it->second += n;
}

std::map<std::string, std::uint64_t, std::less<>> LabeledCounters::snapshot() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

// --- NodeMetrics --------------------------------------------------------------------------

std::size_t direction_index(conn::Direction d) noexcept {
  return d == conn::Direction::outbound ? 0 : 1;
}

NodeMetrics::NodeMetrics()
    : handshake_seconds_(
          std::vector<double>(kHandshakeSecondsBounds.begin(), kHandshakeSecondsBounds.end())) {}

void NodeMetrics::observe(const conn::ConnectionEvent& e, ConnectionTrack& track,
                          conn::TimePoint now) {
  const auto dir = direction_index(e.peer.direction);
  if (const auto* s = std::get_if<conn::StateChanged>(&e.body)) {
    // An outbound attempt is each dial (restarts included); an inbound one is each accepted
    // socket, which starts in awaiting_handshake.
    if (s->to == conn::PeerState::connecting ||
        (e.peer.direction == conn::Direction::inbound && s->from == conn::PeerState::disconnected &&
         s->to == conn::PeerState::awaiting_handshake)) {
      attempts_[dir].fetch_add(1, std::memory_order_relaxed);
    }
    if (s->to == conn::PeerState::awaiting_handshake) {
      track.handshake_started = now;
    } else if (s->to != conn::PeerState::connected) {
      track.handshake_started.reset();
    }
  } else if (std::holds_alternative<conn::HandshakeDone>(e.body)) {
    if (track.handshake_started) {
      handshake_seconds_.observe(
          std::chrono::duration<double>(now - *track.handshake_started).count());
      track.handshake_started.reset();
    }
  } else if (std::holds_alternative<conn::RestartScheduled>(e.body)) {
    restarts_.fetch_add(1, std::memory_order_relaxed);
  } else if (const auto* m = std::get_if<conn::Misbehaviour>(&e.body)) {
    if (m->points > 0) {
      misbehaviour_points_.fetch_add(static_cast<std::uint64_t>(m->points),
                                     std::memory_order_relaxed);
    }
  }
}

void NodeMetrics::observe(const NodeEvent& event) {
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, ConnectionEstablished>) {
          established_[direction_index(e.peer.direction)].fetch_add(1, std::memory_order_relaxed);
        } else if constexpr (std::is_same_v<T, ConnectionFailed>) {
          failures_[direction_index(e.peer.direction)].add(conn::to_string(e.reason));
        } else if constexpr (std::is_same_v<T, ConnectionLost>) {
          lost_[direction_index(e.peer.direction)].add(conn::to_string(e.reason));
        } else if constexpr (std::is_same_v<T, ConnectionRejected>) {
          refused_.add(e.why);
        } else if constexpr (std::is_same_v<T, PeerBanned>) {
          bans_.add(e.reason);
        } else if constexpr (std::is_same_v<T, DiscoveryResult>) {
          // Failed lookups are counted by count_dns_lookup(); their result carries no addresses.
          const std::string_view source = e.source == "addr" ? "addr" : "dns";
          addresses_received_.add(source, e.found);
          addresses_added_.add(source, e.added);
        }
      },
      event);
}

void NodeMetrics::count_dns_lookup(ResolveStatus status) {
  dns_.add(to_string(status));
}

NodeCounters NodeMetrics::counters() const {
  NodeCounters c;
  for (std::size_t d = 0; d < 2; ++d) {
    c.connection_attempts[d] = attempts_[d].load(std::memory_order_relaxed);
    c.connections_established[d] = established_[d].load(std::memory_order_relaxed);
    c.connection_failures[d] = failures_[d].snapshot();
    c.connections_lost[d] = lost_[d].snapshot();
  }
  c.inbound_refused = refused_.snapshot();
  c.bans = bans_.snapshot();
  c.dns_lookups = dns_.snapshot();
  for (auto s :
       {ResolveStatus::ok, ResolveStatus::nxdomain, ResolveStatus::no_data, ResolveStatus::timeout,
        ResolveStatus::refused, ResolveStatus::cancelled, ResolveStatus::error}) {
    c.dns_lookups.try_emplace(std::string(to_string(s)), 0);
  }
  c.addresses_received = addresses_received_.snapshot();
  c.addresses_added = addresses_added_.snapshot();
  for (auto* m : {&c.addresses_received, &c.addresses_added}) {
    m->try_emplace("dns", 0);
    m->try_emplace("addr", 0);
  }
  c.restarts = restarts_.load(std::memory_order_relaxed);
  c.misbehaviour_points = misbehaviour_points_.load(std::memory_order_relaxed);
  c.handshake_seconds = handshake_seconds_.snapshot();
  return c;
}

// --- Prometheus families ------------------------------------------------------------------

namespace {

constexpr conn::Direction kDirections[] = {conn::Direction::outbound, conn::Direction::inbound};

MetricFamily family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

void add(MetricFamily& f, MetricLabels labels, double value) {
  f.samples.push_back(MetricSample{"", std::move(labels), value});
}

template <typename Map>
MetricFamily by_label(std::string name, std::string help, const std::string& label,
                      const Map& counts) {
  auto f = family(std::move(name), std::move(help), MetricType::counter);
  for (const auto& [value, n] : counts)
    add(f, {{label, value}}, static_cast<double>(n));
  return f;
}

template <typename Map>
MetricFamily by_direction_and_label(std::string name, std::string help, const std::string& label,
                                    const std::array<Map, 2>& counts) {
  auto f = family(std::move(name), std::move(help), MetricType::counter);
  for (auto d : kDirections) {
    for (const auto& [value, n] : counts[direction_index(d)]) {
      add(f, {{"direction", std::string(conn::to_string(d))}, {label, value}},
          static_cast<double>(n));
    }
  }
  return f;
}

MetricFamily by_direction(std::string name, std::string help,
                          const std::array<std::uint64_t, 2>& counts) {
  auto f = family(std::move(name), std::move(help), MetricType::counter);
  for (auto d : kDirections) {
    add(f, {{"direction", std::string(conn::to_string(d))}},
        static_cast<double>(counts[direction_index(d)]));
  }
  return f;
}

MetricFamily histogram(std::string name, std::string help, const AtomicHistogram::Snapshot& h) {
  auto f = family(std::move(name), std::move(help), MetricType::histogram);
  for (std::size_t i = 0; i < h.upper_bounds.size(); ++i) {
    f.samples.push_back(MetricSample{"_bucket",
                                     {{"le", format_metric_value(h.upper_bounds[i])}},
                                     static_cast<double>(h.counts[i])});
  }
  f.samples.push_back(MetricSample{"_bucket", {{"le", "+Inf"}}, static_cast<double>(h.count)});
  f.samples.push_back(MetricSample{"_sum", {}, h.sum});
  f.samples.push_back(MetricSample{"_count", {}, static_cast<double>(h.count)});
  return f;
}

}  // namespace

std::vector<MetricFamily> metric_families(const NodeMetricsSnapshot& s) {
  std::vector<MetricFamily> out;
  const auto& c = s.counters;

  auto conns =
      family("bsvpeer_connections", "Connections by direction and state.", MetricType::gauge);
  for (const auto& cc : s.connections) {
    add(conns,
        {{"direction", std::string(conn::to_string(cc.direction))},
         {"state", std::string(conn::to_string(cc.state))}},
        static_cast<double>(cc.count));
  }
  out.push_back(std::move(conns));

  auto over = family("bsvpeer_connections_over_capacity",
                     "Inbound connections accepted without a slot, handshaked before closing.",
                     MetricType::gauge);
  add(over, {}, static_cast<double>(s.over_capacity));
  out.push_back(std::move(over));

  auto isolated =
      family("bsvpeer_network_isolated",
             "1 while fewer peers are handshaked than the configured minimum.", MetricType::gauge);
  add(isolated, {}, s.isolated ? 1 : 0);
  out.push_back(std::move(isolated));

  auto store = family("bsvpeer_store_peers", "Peer store records by status.", MetricType::gauge);
  for (auto st : {peer::PeerStatus::unknown, peer::PeerStatus::valid,
                  peer::PeerStatus::inaccessible, peer::PeerStatus::banned}) {
    add(store, {{"status", std::string(peer::to_string(st))}}, static_cast<double>(s.store.of(st)));
  }
  out.push_back(std::move(store));

  auto used = family("bsvpeer_slots_used", "Connection slots in use by kind.", MetricType::gauge);
  auto max = family("bsvpeer_slots_max", "Connection slot limit by kind.", MetricType::gauge);
  for (const auto& slot : s.slots) {
    add(used, {{"kind", std::string(to_string(slot.kind))}}, static_cast<double>(slot.used));
    add(max, {{"kind", std::string(to_string(slot.kind))}}, static_cast<double>(slot.max));
  }
  out.push_back(std::move(used));
  out.push_back(std::move(max));

  out.push_back(by_direction("bsvpeer_connection_attempts_total",
                             "Outbound dials (restarts included) and accepted inbound sockets.",
                             c.connection_attempts));
  out.push_back(by_direction("bsvpeer_connections_established_total",
                             "Connections that completed the handshake.",
                             c.connections_established));
  out.push_back(
      by_direction_and_label("bsvpeer_connection_failures_total",
                             "Connections that ended before completing the handshake, by reason.",
                             "reason", c.connection_failures));
  out.push_back(by_direction_and_label("bsvpeer_connections_lost_total",
                                       "Handshaked connections that ended, by reason.", "reason",
                                       c.connections_lost));
  out.push_back(by_label("bsvpeer_inbound_refused_total",
                         "Inbound connections refused at accept time, by reason.", "reason",
                         c.inbound_refused));
  out.push_back(histogram("bsvpeer_handshake_duration_seconds",
                          "Time from TCP connected to version/verack exchanged.",
                          c.handshake_seconds));

  auto msent =
      family("bsvpeer_messages_sent_total", "Messages sent, by command.", MetricType::counter);
  auto mrecv = family("bsvpeer_messages_received_total", "Messages received, by command.",
                      MetricType::counter);
  auto bsent = family("bsvpeer_sent_bytes_total", "Bytes sent (header and payload), by command.",
                      MetricType::counter);
  auto brecv = family("bsvpeer_received_bytes_total",
                      "Bytes received (header and payload), by command.", MetricType::counter);
  for (const auto& t : s.traffic) {
    add(msent, {{"command", t.command}}, static_cast<double>(t.messages_sent));
    add(mrecv, {{"command", t.command}}, static_cast<double>(t.messages_received));
    add(bsent, {{"command", t.command}}, static_cast<double>(t.bytes_sent));
    add(brecv, {{"command", t.command}}, static_cast<double>(t.bytes_received));
  }
  out.push_back(std::move(msent));
  out.push_back(std::move(mrecv));
  out.push_back(std::move(bsent));
  out.push_back(std::move(brecv));

  out.push_back(by_label("bsvpeer_bans_total", "Bans applied, by reason.", "reason", c.bans));
  auto restarts = family("bsvpeer_restarts_total",
                         "Outbound connections scheduled to dial again after a network failure.",
                         MetricType::counter);
  add(restarts, {}, static_cast<double>(c.restarts));
  out.push_back(std::move(restarts));
  auto points = family("bsvpeer_misbehavior_points_total",
                       "Ban-score points given to peers for misbehaviour.", MetricType::counter);
  add(points, {}, static_cast<double>(c.misbehaviour_points));
  out.push_back(std::move(points));
  out.push_back(by_label("bsvpeer_dns_lookups_total", "DNS seed lookups, by outcome.", "status",
                         c.dns_lookups));
  out.push_back(by_label("bsvpeer_addresses_received_total",
                         "Usable peer addresses learnt, by source (dns, addr).", "source",
                         c.addresses_received));
  out.push_back(by_label("bsvpeer_addresses_added_total",
                         "Peer addresses new to the store, by source (dns, addr).", "source",
                         c.addresses_added));
  auto dropped =
      family("bsvpeer_event_hub_dropped_events_total",
             "Events dropped because a subscriber's queue was full.", MetricType::counter);
  add(dropped, {}, static_cast<double>(s.event_hub_dropped));
  out.push_back(std::move(dropped));
  return out;
}

}  // namespace bsvpeer::node
