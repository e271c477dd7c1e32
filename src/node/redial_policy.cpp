#include <bsvpeer/net/address_text.hpp>
#include <bsvpeer/node/redial_policy.hpp>

#include <algorithm>

namespace bsvpeer::node {

RedialPolicy::RedialPolicy(conn::BackoffConfig config, conn::UnitRandom random)
    : config_(std::move(config)), random_(std::move(random)) {}

bool RedialPolicy::eligible(const std::string& store_id, conn::TimePoint now) const {
  auto it = backoffs_.find(store_id);
  return it == backoffs_.end() || it->second.eligible(now);
}

std::size_t RedialPolicy::candidates_wanted(std::size_t free_slots) const noexcept {
  return free_slots + std::min(backoffs_.size(), kMaxBackoffStandIns);
}

bool RedialPolicy::record_failure(const std::string& store_id,
                                  std::optional<conn::FailureKind> kind, bool was_connected,
                                  conn::TimePoint now) {
  if (!kind) return false;
  auto [it, inserted] = backoffs_.try_emplace(store_id, config_, random_);
  if (was_connected) it->second.record_success();
  return it->second.record_failure(*kind, now).action != conn::BackoffAction::retry;
}

void RedialPolicy::defer(const std::string& ip, DeferredFailure failure) {
  deferred_.insert_or_assign(ip, std::move(failure));
}

std::vector<DeferredFailure> RedialPolicy::settle(conn::TimePoint now) {
  std::vector<DeferredFailure> due;
  std::erase_if(deferred_, [&](const auto& entry) {
    if (now < entry.second.until) return false;
    due.push_back(entry.second);
    return true;
  });
  return due;
}

std::vector<std::string> RedialPolicy::deferred_ips() const {
  std::vector<std::string> ips;
  ips.reserve(deferred_.size());
  for (const auto& [ip, failure] : deferred_)
    ips.push_back(ip);
  return ips;
}

std::set<peer::PeerEndpoint> busy_endpoints(
    std::span<const peer::PeerRecord> records, std::set<peer::PeerEndpoint> dialled,
    const std::set<std::string>& connected_ips,
    std::span<const boost::asio::ip::tcp::endpoint> own_listening) {
  for (const auto& ep : own_listening) {
    if (auto pe = peer::make_peer_endpoint(net::ip_text(ep.address()), ep.port())) {
      dialled.insert(*pe);
    }
  }
  for (const auto& r : records) {
    if (!connected_ips.count(r.ip)) continue;
    if (auto pe = peer::make_peer_endpoint(r.ip, r.port)) dialled.insert(*pe);
  }
  return dialled;
}

}  // namespace bsvpeer::node
