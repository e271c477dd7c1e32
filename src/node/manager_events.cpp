// What the Manager does with its connections' events: handshakes (the store, getaddr, our own
// address), ends (failures, deferred failures, slots); messages go on to manager_gossip.cpp.
#include "manager_impl.hpp"

#include <bsvpeer/net/address_text.hpp>
#include <bsvpeer/node/duplicate_rule.hpp>
#include <bsvpeer/node/inbound_address.hpp>

#include <boost/asio/post.hpp>
#include <fmt/ostream.h>

#include <algorithm>

namespace bsvpeer::node {

namespace asio = boost::asio;
using net::ip_text;

namespace {

// Messages the Manager itself handles (gossip, inventory dedupe); the rest only matter to
// message subscribers.
bool manager_handles_message(const wire::Message& m) {
  return std::holds_alternative<wire::Addr>(m) || std::holds_alternative<wire::GetAddr>(m) ||
         std::holds_alternative<wire::Inv>(m);
}

// Events on_connection_event() acts on; the rest (a handshake starting, a connection becoming
// connected, refused sends) would cost a hand-off to the Manager's thread each for nothing.
bool manager_handles_event(const conn::ConnectionEvent& e) {
  if (const auto* s = std::get_if<conn::StateChanged>(&e.body)) {
    return s->to == conn::PeerState::disconnected || s->to == conn::PeerState::failed ||
           s->to == conn::PeerState::rejected;
  }
  return std::holds_alternative<conn::HandshakeDone>(e.body) ||
         std::holds_alternative<conn::MessageReceived>(e.body) ||
         std::holds_alternative<conn::BanRequested>(e.body) ||
         std::holds_alternative<conn::Misbehaviour>(e.body) ||
         std::holds_alternative<conn::RestartScheduled>(e.body);
}

}  // namespace

conn::EventHandler Manager::Impl::event_handler() {
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
    // Streamed chunks (they point into the connection's buffer) are among the events not
    // forwarded across strands.
    if (!manager_handles_event(e)) return;
    auto self = weak.lock();
    if (!self) return;
    // Keep-alive and other traffic the Manager does not act on crosses to its strand only
    // when someone subscribed to messages (at 10,000 peers, pings alone are 4,000 posts/s).
    if (const auto* m = std::get_if<conn::MessageReceived>(&e.body)) {
      if (!manager_handles_message(m->message) && !self->hub.wants_messages()) return;
    }
    asio::post(self->strand, [self, e] { self->on_connection_event(e); });
  };
}

void Manager::Impl::on_connection_event(const conn::ConnectionEvent& e) {
  auto it = connections.find(e.peer.id);
  if (it == connections.end()) return;
  Live& live = it->second;
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, conn::HandshakeDone>) {
          if (!live.duplicate) on_handshake(live, e.peer, body.peer_version);
        } else if constexpr (std::is_same_v<T, conn::MessageReceived>) {
          if (!live.duplicate) on_message(e.peer, live, body.message);
        } else if constexpr (std::is_same_v<T, conn::BanRequested>) {
          const auto until =
              unix_now() + std::chrono::duration_cast<std::chrono::seconds>(body.duration).count();
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

void Manager::Impl::on_handshake(Live& live, const conn::PeerIdentity& peer,
                                 const wire::Version& version) {
  const auto now = unix_now();
  live.handshaked = true;
  live.version = version;
  live.connected_since = now;
  live.time_offset = version.timestamp - now;
  if (live.kind == SlotKind::inbound && live.store_id.empty()) {
    // Dialled back only where it says it listens (inbound_address.hpp); an inbound that does
    // not say stays out of the store, unless an addr of its own announces it later.
    if (auto at = announced_listen_address(version, live.ip, addr_filter, now)) {
      if (auto a = store->add(at->ip, at->port, peer::PeerSource::inbound, now)) {
        live.store_id = a->id;
      }
    }
  }
  if (!live.store_id.empty()) {
    (void)store->mark_success(live.store_id, version.user_agent, version.services, now);
    redial.forget(live.store_id);
  }
  hub.publish(ConnectionEstablished{peer, version});
  if (seeds.is_one_shot(peer.id) || (live.kind != SlotKind::inbound && config.getaddr_on_outbound &&
                                     config.mode == OutboundMode::normal)) {
    live.connection->send(wire::GetAddr{});
  }
  if (live.kind != SlotKind::inbound && config.listen) advertise_self(live, peer);
  update_counts(peer.id);
  evaluate_health();
}

void Manager::Impl::on_connection_end(Connections::iterator it, const conn::PeerIdentity& peer,
                                      const conn::StateChanged& change) {
  Live& live = it->second;
  const auto reason = change.reason.value_or(conn::DisconnectReason::network_error);
  const auto detail = live.duplicate ? std::string("duplicate: the peer's connection to us is kept")
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
      redial.defer(live.ip,
                   DeferredFailure{live.store_id, reason, detail,
                                   conn::Clock::now() + config.connection.connect_timeout});
    } else {
      record_failure(live.store_id, reason, detail, live.handshaked);
    }
  }
  seeds.ended(peer.id);
  const bool was_inbound = live.kind == SlotKind::inbound;
  // A manual peer is not dialled while it is connected to us inbound: now it may be.
  const bool manual_peer_gone =
      was_inbound && live.slot && !live.same_host &&
      std::any_of(manual.begin(), manual.end(),
                  [&](const tcp::endpoint& ep) { return ip_text(ep.address()) == live.ip; });
  const std::size_t outbound_room = slots.available(SlotKind::outbound);
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
  // Otherwise an inbound's end changes what we dial only when its slot was what kept an
  // outbound one from opening; the refill timer (schedule_refill) covers the rest. Refilling on
  // every inbound's end would copy the store and walk every connection per event.
  if (!was_inbound || manual_peer_gone || slots.available(SlotKind::outbound) > outbound_room) {
    request_refill(manual_peer_gone);
  }
}

}  // namespace bsvpeer::node
