#include <bsvpeer/node/ban_book.hpp>

#include <algorithm>

namespace bsvpeer::node {

void ban_ip(peer::PeerStore& store, std::string_view ip, std::uint16_t default_port,
            std::string_view reason, peer::UnixSeconds until, peer::UnixSeconds now) {
  (void)store.add(ip, default_port, peer::PeerSource::inbound, now);
  for (const auto& r : store.snapshot()) {
    if (r.ip == ip) (void)store.ban(r.id, reason, until, now);
  }
}

std::vector<std::string> unban_ip(peer::PeerStore& store, std::string_view ip,
                                  peer::UnixSeconds now) {
  std::vector<std::string> ids;
  for (const auto& r : store.snapshot()) {
    if (r.ip == ip && r.status == peer::PeerStatus::banned) {
      (void)store.unban(r.id, now);
      ids.push_back(r.id);
    }
  }
  return ids;
}

std::vector<std::string> unban_records_in(peer::PeerStore& store, const peer::Subnet& subnet,
                                          peer::UnixSeconds now) {
  std::vector<std::string> ips;
  for (const auto& r : store.list(peer::PeerStatus::banned)) {
    if (subnet.contains(std::string_view(r.ip)) && store.unban(r.id, now)) ips.push_back(r.ip);
  }
  return ips;
}

std::vector<std::string> unban_all_records(peer::PeerStore& store, peer::UnixSeconds now) {
  std::vector<std::string> ips;
  for (const auto& r : store.list(peer::PeerStatus::banned)) {
    if (store.unban(r.id, now)) ips.push_back(r.ip);
  }
  return ips;
}

std::vector<std::string> record_ids_of(const peer::PeerStore& store,
                                       const std::vector<std::string>& ips) {
  std::vector<std::string> ids;
  for (const auto& r : store.snapshot()) {
    if (std::find(ips.begin(), ips.end(), r.ip) != ips.end()) ids.push_back(r.id);
  }
  return ids;
}

}  // namespace bsvpeer::node
