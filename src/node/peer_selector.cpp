#include <bsvpeer/node/peer_selector.hpp>

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <utility>

namespace bsvpeer::node {

namespace {

// Lower is dialled first.
enum class Rank { valid = 0, unknown = 1, inaccessible = 2 };

struct Candidate {
  const peer::PeerRecord* record;
  Rank rank;
  // Never attempted sorts before every attempt; the lowest possible time does that.
  peer::UnixSeconds last_attempt;
  std::uint64_t random_key;
  std::optional<NetGroup> group;  // nullopt: exempt from the netgroup rule
};

std::optional<Rank> rank_of(const peer::PeerRecord& record, peer::UnixSeconds now,
                            const InaccessibleEligible& inaccessible_eligible) {
  switch (record.status) {
    case peer::PeerStatus::valid:
      return Rank::valid;
    case peer::PeerStatus::unknown:
      return Rank::unknown;
    case peer::PeerStatus::inaccessible:
      if (inaccessible_eligible && inaccessible_eligible(record)) return Rank::inaccessible;
      return std::nullopt;
    case peer::PeerStatus::banned:
      if (record.banned_at(now)) return std::nullopt;
      return Rank::unknown;
  }
  return std::nullopt;
}

}  // namespace

RandomKey make_random_key() {
  std::random_device device;
  return seeded_random_key((std::uint64_t{device()} << 32) | device());
}

RandomKey seeded_random_key(std::uint64_t seed) {
  // shared_ptr so the function object stays copyable, as std::function requires.
  auto engine = std::make_shared<std::mt19937_64>(seed);
  return [engine] { return (*engine)(); };
}

PeerSelector::PeerSelector(PeerSelectorOptions options, RandomKey random)
    : options_(options), random_(random ? std::move(random) : make_random_key()) {}

std::vector<peer::PeerRecord> PeerSelector::select(const SelectionRequest& request) {
  std::vector<peer::PeerRecord> chosen;
  if (request.max_count == 0) return chosen;

  std::vector<Candidate> candidates;
  candidates.reserve(request.peers.size());
  for (const peer::PeerRecord& record : request.peers) {
    const auto rank = rank_of(record, request.now, request.inaccessible_eligible);
    if (!rank) continue;
    if (request.busy && request.busy->contains(peer::PeerEndpoint{record.ip, record.port})) {
      continue;
    }
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(record.ip, ec);
    if (ec) continue;  // the store normalises every ip; a bad one cannot be dialled anyway
    std::optional<NetGroup> group;
    if (!(options_.exempt_local_ranges && is_exempt_from_netgroup_rule(address))) {
      group = netgroup_of(address);
    }
    candidates.push_back(Candidate{
        &record, *rank, record.last_attempt.value_or(std::numeric_limits<peer::UnixSeconds>::min()),
        random_(), group});
  }

  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(a.rank, a.last_attempt, a.random_key) <
           std::tie(b.rank, b.last_attempt, b.random_key);
  });

  std::set<NetGroup> taken;
  if (request.outbound_netgroups) taken = *request.outbound_netgroups;
  for (const Candidate& candidate : candidates) {
    if (chosen.size() == request.max_count) break;
    if (options_.one_per_netgroup && candidate.group) {
      // insert() fails when the group is taken, by a connection or an earlier candidate.
      if (!taken.insert(*candidate.group).second) continue;
    }
    chosen.push_back(*candidate.record);
  }
  return chosen;
}

}  // namespace bsvpeer::node
