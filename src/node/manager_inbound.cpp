// Accepting an inbound connection: admitted, refused (inbound_admission.hpp says why, then the
// duplicate rule), or handshaked politely and closed for lack of a slot.
#include "manager_impl.hpp"

#include <bsvpeer/net/address_text.hpp>
#include <bsvpeer/node/duplicate_rule.hpp>

#include <fmt/ostream.h>

namespace bsvpeer::node {

using net::endpoint_text;
using net::ip_text;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

void Manager::Impl::on_accept(tcp::socket socket, const tcp::endpoint& remote,
                              const tcp::endpoint& local) {
  if (stopping) return;
  const std::string ip = ip_text(remote.address());
  auto refuse = [&](const std::string& why) {
    log->info("refused inbound {}: {}", endpoint_text(remote), why);
    hub.publish(ConnectionRejected{remote, why});
    boost::system::error_code ignored;
    socket.set_option(asio::socket_base::linger(true, 0), ignored);
    socket.close(ignored);
  };
  InboundFacts facts;
  facts.address = remote.address();
  facts.whitelisted = whitelist.contains(remote.address());
  facts.banned = store->is_ip_banned(ip, unix_now());
  if (!facts.whitelisted && config.max_inbound_per_ip > 0) {
    for (const auto& [id, live] : connections) {
      facts.inbound_from_ip += live.kind == SlotKind::inbound && live.ip == ip ? 1 : 0;
    }
  }
  const InboundLimits limits{config.max_inbound_per_ip, config.max_accepts_per_second};
  if (auto why = admission.refusal(facts, limits, conn::Clock::now())) return refuse(*why);
  // A peer we are dialling or connected to outbound: keep one connection, the one both ends
  // pick (duplicate_rule). Our own address may carry other nodes, told apart only by their
  // listening port, which an inbound does not show (its port is ephemeral and SV's version
  // leaves addr_from empty): such an inbound is never a duplicate, and dials to our address
  // stand on their endpoint alone.
  // Both ends come from one socket, so they share a family (both v4-mapped on a dual-stack
  // listener): the addresses compare as they are, no text needed.
  const bool same_host = local.address() == remote.address();
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
    redial.cancel_deferred(ip);
  }
  auto token = slots.try_reserve(SlotKind::inbound);
  const bool with_slot = token.has_value();
  ConnectionRole role;
  role.restart = false;
  role.whitelisted = facts.whitelisted;
  // No free slot: complete the handshake politely, then close (SV-style over-capacity);
  // only a few at a time, so a storm of connects cannot grow the node without bound.
  if (!token) {
    const std::size_t polite = connections.size() - counts.with_slot();
    if (!InboundAdmission::polite_rejection_allowed(polite)) return refuse("no free slot");
    role.reject_after_handshake = true;
  }
  const std::uint64_t id = next_id++;
  auto c = conn::PeerConnection::inbound(std::move(socket), remote, connection_config(role),
                                         event_handler(), nonces, id);
  Live live;
  live.connection = c;
  live.role = role;
  if (token) live.slot.emplace(std::move(*token));
  live.kind = SlotKind::inbound;
  live.ip = ip;
  live.same_host = same_host;
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
bool Manager::Impl::connected_inbound(const std::string& ip) const {
  for (const auto& [id, live] : connections) {
    if (live.kind == SlotKind::inbound && live.slot && !live.same_host && live.ip == ip) {
      return true;
    }
  }
  return false;
}

// Our own listening or dialling address: the peer there cannot tell our dial from those of
// other nodes on its host, so never refuses it as a duplicate.
bool Manager::Impl::own_address(const std::string& ip) const {
  if (config.outbound_bind_address && ip_text(*config.outbound_bind_address) == ip) return true;
  for (const auto& ep : local_listen_endpoints()) {
    if (ip_text(ep.address()) == ip) return true;
  }
  return false;
}

std::vector<tcp::endpoint> Manager::Impl::local_listen_endpoints() const {
  std::lock_guard lock(info_mutex);
  return bound_endpoints;
}

std::optional<tcp::endpoint> Manager::Impl::local_listen_endpoint() const {
  std::lock_guard lock(info_mutex);
  if (bound_endpoints.empty()) return std::nullopt;
  return bound_endpoints.front();
}

}  // namespace bsvpeer::node
