#include <bsvpeer/node/seed_nodes.hpp>

#include <algorithm>

namespace bsvpeer::node {

SeedNodes::SeedNodes(const std::vector<tcp::endpoint>& seeds) {
  reconfigure(seeds);
}

void SeedNodes::reconfigure(const std::vector<tcp::endpoint>& seeds) {
  const std::set<tcp::endpoint> wanted(seeds.begin(), seeds.end());
  queue_.erase(std::remove_if(queue_.begin(), queue_.end(),
                              [&](const tcp::endpoint& ep) { return wanted.count(ep) == 0; }),
               queue_.end());
  for (const auto& ep : seeds) {
    if (ever_queued_.insert(ep).second) queue_.push_back(ep);
  }
}

std::optional<SeedNodes::tcp::endpoint> SeedNodes::next() {
  if (queue_.empty()) return std::nullopt;
  auto ep = queue_.front();
  queue_.pop_front();
  return ep;
}

void SeedNodes::dialled(std::uint64_t id, conn::TimePoint deadline) {
  waiting_.insert_or_assign(id, deadline);
}

std::vector<std::uint64_t> SeedNodes::expired(conn::TimePoint now) const {
  std::vector<std::uint64_t> out;
  for (const auto& [id, deadline] : waiting_) {
    if (deadline <= now) out.push_back(id);
  }
  return out;
}

std::optional<conn::TimePoint> SeedNodes::next_deadline() const {
  if (waiting_.empty()) return std::nullopt;
  return std::min_element(waiting_.begin(), waiting_.end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; })
      ->second;
}

}  // namespace bsvpeer::node
