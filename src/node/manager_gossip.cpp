// The messages the Manager acts on itself before they go to subscribers: addr (the store,
// relaying: addr_gossip.hpp), getaddr (answered from the store), inv (what each peer knows),
// and our own address to the peers we dial (-externalip: self_advertisement.hpp).
#include "manager_impl.hpp"

#include <bsvpeer/node/addr_gossip.hpp>
#include <bsvpeer/node/self_advertisement.hpp>

#include <fmt/ostream.h>

namespace bsvpeer::node {

void Manager::Impl::on_message(const conn::PeerIdentity& peer, Live& live,
                               const wire::Message& message) {
  if (const auto* addr = std::get_if<wire::Addr>(&message)) {
    on_addr(peer, live, *addr);
  } else if (std::holds_alternative<wire::GetAddr>(message)) {
    // Answered once per connection, only to inbound peers (SV's anti-fingerprinting rule).
    if (live.kind == SlotKind::inbound && !live.getaddr_answered) {
      live.getaddr_answered = true;
      live.connection->send(addr_answer(*store, unix_now()));
    }
  } else if (const auto* inv = std::get_if<wire::Inv>(&message)) {
    for (const auto& item : inv->items)
      live.known_inventory.insert(item.hash);
  }
  hub.publish(MessageEvent{peer, message});
}

void Manager::Impl::on_addr(const conn::PeerIdentity& peer, Live& live, const wire::Addr& addr) {
  const bool inbound = live.kind == SlotKind::inbound;
  const auto intake =
      take_addr(addr, addr_filter, *store,
                inbound ? std::optional<std::string_view>(live.ip) : std::nullopt, unix_now());
  const auto& c = intake.counts;
  if (intake.usable < addr.entries.size()) {
    log->debug(
        "addr from {}: dropped {} over limit, {} without services, {} unusable, {} too old, "
        "{} duplicate",
        fmt::streamed(peer.endpoint), c.over_limit, c.missing_services, c.unusable_address,
        c.too_old, c.duplicate);
  }
  log->debug("addr from {}: {} entries, {} usable, {} new", fmt::streamed(peer.endpoint),
             addr.entries.size(), intake.usable, intake.added);
  hub.publish(DiscoveryResult{"addr", intake.usable, intake.added, ""});
  if (!intake.relay.entries.empty()) {
    std::vector<std::uint64_t> eligible;
    for (const auto& [id, other] : connections) {
      if (id != peer.id && other.handshaked && other.kind == SlotKind::inbound) {
        eligible.push_back(id);
      }
    }
    for (auto id : pick_relay_targets(std::move(eligible), relay_rng))
      connections.at(id).connection->send(intake.relay);
  }
  if (intake.added > 0) request_refill(false);
  if (seeds.is_one_shot(peer.id)) {
    log->info("seed node {}: {} addresses, leaving it", fmt::streamed(peer.endpoint),
              addr.entries.size());
    seeds.ended(peer.id);
    live.connection->disconnect(conn::DisconnectReason::local_request);
  }
}

// -externalip: our address to a peer we dialled, as SV sends it after the peer's version.
void Manager::Impl::advertise_self(Live& live, const conn::PeerIdentity& peer) {
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

}  // namespace bsvpeer::node
