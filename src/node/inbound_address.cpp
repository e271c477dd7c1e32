#include <bsvpeer/node/inbound_address.hpp>

namespace bsvpeer::node {

std::optional<AddrCandidate> announced_listen_address(const wire::Version& version,
                                                      std::string_view peer_ip,
                                                      const AddrFilter& filter,
                                                      peer::UnixSeconds now) {
  // The version's own services: what the peer offers, whatever its addr_from field claims.
  wire::TimedNetAddress entry;
  entry.time = static_cast<std::uint32_t>(now);
  entry.addr.services = version.services;
  entry.addr.ip = version.addr_from.ip;
  entry.addr.port = version.addr_from.port;
  auto result = filter.filter(std::span(&entry, 1), now);
  if (result.candidates.empty() || result.candidates.front().ip != peer_ip) return std::nullopt;
  return std::move(result.candidates.front());
}

std::vector<AddrCandidate> self_announcements(std::span<const AddrCandidate> candidates,
                                              std::string_view peer_ip) {
  std::vector<AddrCandidate> own;
  for (const auto& c : candidates) {
    if (c.ip == peer_ip) own.push_back(c);
  }
  return own;
}

}  // namespace bsvpeer::node
