#include <bsvpeer/node/addr_filter.hpp>
#include <bsvpeer/peer/peer_endpoint.hpp>

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <ostream>
#include <set>
#include <stdexcept>

namespace bsvpeer::node {

namespace {

// The wire's 16 bytes as an address, IPv4-mapped ones as the IPv4 they carry.
boost::asio::ip::address address_of(const wire::Ip16& ip) {
  const boost::asio::ip::address_v6 v6(ip);
  if (v6.is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6);
  }
  return v6;
}

}  // namespace

std::optional<std::string> AddrFilterOptions::validate() const {
  if (max_age <= 0) return "addr max_age must be positive, got " + std::to_string(max_age);
  return std::nullopt;
}

std::ostream& operator<<(std::ostream& os, const AddrCandidate& candidate) {
  return os << to_string(peer::PeerEndpoint{candidate.ip, candidate.port})
            << " services=" << candidate.services << " time=" << candidate.time;
}

AddrFilter::AddrFilter(AddrFilterOptions options) : options_(options) {
  if (auto problem = options_.validate()) throw std::invalid_argument(*problem);
}

AddrFilterResult AddrFilter::filter(std::span<const wire::TimedNetAddress> entries,
                                    peer::UnixSeconds now) const {
  AddrFilterResult result;
  const std::size_t considered = std::min(entries.size(), options_.max_entries);
  result.counts.over_limit = entries.size() - considered;
  result.candidates.reserve(considered);

  std::set<peer::PeerEndpoint> seen;
  for (const wire::TimedNetAddress& entry : entries.first(considered)) {
    if ((entry.addr.services & options_.required_services) != options_.required_services) {
      ++result.counts.missing_services;
      continue;
    }
    const auto address = address_of(entry.addr.ip);
    if (entry.addr.port == 0 || address.is_unspecified() || address.is_multicast()) {
      ++result.counts.unusable_address;
      continue;
    }

    peer::UnixSeconds time = entry.time;
    const bool implausible_time = entry.time <= kAddrTimeFloor || time > now + kAddrFutureTolerance;
    if (implausible_time) time = now - kAddrPenaltyAge;
    if (now - time > options_.max_age) {
      ++result.counts.too_old;
      continue;
    }

    // address.to_string() is inet_ntop's output, the same text peer::normalise_ip produces.
    peer::PeerEndpoint endpoint{address.to_string(), entry.addr.port};
    if (!seen.insert(endpoint).second) {
      ++result.counts.duplicate;
      continue;
    }
    if (implausible_time) ++result.counts.time_adjusted;
    result.candidates.push_back(
        AddrCandidate{std::move(endpoint.ip), endpoint.port, entry.addr.services, time});
  }
  return result;
}

bool is_getaddr_answer(std::size_t entries) noexcept {
  return entries > 1;
}

}  // namespace bsvpeer::node
