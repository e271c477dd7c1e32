#include <bsvpeer/node/addr_gossip.hpp>
#include <bsvpeer/node/inbound_address.hpp>
#include <bsvpeer/wire/limits.hpp>

#include <algorithm>

namespace bsvpeer::node {

AddrIntake take_addr(const wire::Addr& addr, const AddrFilter& filter, peer::PeerStore& store,
                     std::optional<std::string_view> inbound_ip, peer::UnixSeconds now) {
  AddrIntake intake;
  auto filtered = filter.filter(addr.entries, now);
  intake.counts = filtered.counts;
  intake.usable = filtered.candidates.size();
  const auto entries =
      inbound_ip ? self_announcements(filtered.candidates, *inbound_ip) : filtered.candidates;
  const bool relay_size = addr.entries.size() <= kAddrRelayMaxEntries;
  for (const auto& a : entries) {
    if (store.is_ip_banned(a.ip, now)) continue;
    auto r = store.add(a.ip, a.port, peer::PeerSource::addr, now);
    if (!r || !r->inserted) continue;
    ++intake.added;
    if (!relay_size || now - a.time > kAddrRelayMaxAge) continue;
    wire::TimedNetAddress t;
    t.time = static_cast<std::uint32_t>(a.time);
    t.addr.services = a.services;
    t.addr.ip = *wire::NetAddress::parse_ip(a.ip);
    t.addr.port = a.port;
    intake.relay.entries.push_back(t);
  }
  return intake;
}

wire::Addr addr_answer(const peer::PeerStore& store, peer::UnixSeconds now) {
  wire::Addr answer;
  for (auto status : {peer::PeerStatus::valid, peer::PeerStatus::unknown}) {
    for (const auto& r : store.list(status)) {
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

std::vector<std::uint64_t> pick_relay_targets(std::vector<std::uint64_t> eligible,
                                              std::mt19937_64& rng) {
  std::shuffle(eligible.begin(), eligible.end(), rng);
  if (eligible.size() > kAddrRelayFanout) eligible.resize(kAddrRelayFanout);
  return eligible;
}

}  // namespace bsvpeer::node
