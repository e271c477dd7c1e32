// Bans and unbans: the public calls check their input and post; on the strand the banned are
// disconnected, their events published and their redial backoffs forgotten on unban. What the
// store records is in ban_book.hpp.
#include "manager_impl.hpp"

#include <bsvpeer/node/ban_book.hpp>
#include <bsvpeer/peer/peer_endpoint.hpp>

#include <boost/asio/post.hpp>

namespace bsvpeer::node {

namespace asio = boost::asio;

void Manager::Impl::disconnect_if(const std::function<bool(const Live&)>& which) {
  for (auto& [id, live] : connections) {
    if (which(live)) live.connection->disconnect(conn::DisconnectReason::local_request);
  }
}

void Manager::Impl::apply_ban(const std::string& ip, const std::string& reason,
                              std::int64_t until) {
  ban_ip(*store, ip, config.connection.network.default_port, reason, until, unix_now());
  log->warn("banned {} until {}: {}", ip, until, reason);
  hub.publish(PeerBanned{ip, reason, until});
  disconnect_if([&](const Live& live) { return live.ip == ip; });
}

void Manager::Impl::apply_unban(const std::string& ip) {
  const auto ids = unban_ip(*store, ip, unix_now());
  for (const auto& id : ids)
    redial.forget(id);
  if (!ids.empty()) hub.publish(PeerUnbanned{ip});
}

// The store changed already (on the caller's thread, so the RPC reads its own write); what
// needs the strand follows here.
void Manager::Impl::after_subnet_ban(const peer::Subnet& subnet, const std::string& reason,
                                     std::int64_t until) {
  log->warn("banned {} until {}: {}", subnet.to_string(), until, reason);
  hub.publish(PeerBanned{subnet.to_string(), reason, until});
  disconnect_if([&](const Live& live) { return subnet.contains(std::string_view(live.ip)); });
  persist(false);
}

void Manager::Impl::after_unban(const std::vector<std::string>& ips, const std::string& what) {
  for (const auto& id : record_ids_of(*store, ips))
    redial.forget(id);
  hub.publish(PeerUnbanned{what});
  persist(false);
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
  if (parsed->single_address()) ips = unban_records_in(*store_, *parsed, unix_now());
  any = any || !ips.empty();
  if (!any) return std::string("not banned: '" + subnet + "'");
  auto self = shared_from_this();
  asio::post(impl_->strand,
             [self, ips, what = parsed->to_string()] { self->impl_->after_unban(ips, what); });
  return std::nullopt;
}

void Manager::clear_bans() {
  store_->clear_subnet_bans();
  auto ips = unban_all_records(*store_, unix_now());
  auto self = shared_from_this();
  asio::post(impl_->strand,
             [self, ips = std::move(ips)] { self->impl_->after_unban(ips, "every address"); });
}

}  // namespace bsvpeer::node
