#include "scheduler.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace bsvpeer::crawl {

Scheduler::Scheduler(SchedulerConfig config, TimePoint now)
    : config_(config), tokens_(config.burst), refilled_at_(now) {
  if (config_.concurrency == 0) throw std::invalid_argument("concurrency must be at least 1");
  if (!(config_.rate_per_s > 0)) throw std::invalid_argument("rate must be positive");
  if (config_.burst < 1) config_.burst = 1;
  tokens_ = config_.burst;
}

bool Scheduler::add(const PeerEndpoint& endpoint) {
  auto [it, inserted] = nodes_.try_emplace(endpoint, Node{Mark::queued, next_order_});
  if (!inserted) return false;
  ++next_order_;
  queue_.push_back(endpoint);
  return true;
}

void Scheduler::add_visited(const PeerEndpoint& endpoint) {
  auto [it, inserted] = nodes_.try_emplace(endpoint, Node{Mark::visited, next_order_});
  if (inserted) {
    ++next_order_;
    ++visited_;
  }
}

void Scheduler::refill(TimePoint now) {
  if (now <= refilled_at_) return;
  const double elapsed = std::chrono::duration<double>(now - refilled_at_).count();
  tokens_ = std::min(config_.burst, tokens_ + elapsed * config_.rate_per_s);
  refilled_at_ = now;
}

std::optional<PeerEndpoint> Scheduler::next(TimePoint now) {
  if (queue_.empty() || in_flight_ >= config_.concurrency) return std::nullopt;
  refill(now);
  if (tokens_ < 1) return std::nullopt;
  tokens_ -= 1;
  PeerEndpoint endpoint = queue_.front();
  queue_.pop_front();
  nodes_[endpoint].mark = Mark::in_flight;
  ++in_flight_;
  return endpoint;
}

std::optional<TimePoint> Scheduler::wake_at(TimePoint now) const {
  if (queue_.empty() || in_flight_ >= config_.concurrency) return std::nullopt;
  double tokens = tokens_;
  if (now > refilled_at_) {
    tokens += std::chrono::duration<double>(now - refilled_at_).count() * config_.rate_per_s;
  }
  if (tokens >= 1) return now;
  const double wait_s = (1 - tokens) / config_.rate_per_s;
  return now + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(wait_s)) +
         Duration(1);
}

void Scheduler::finished(const PeerEndpoint& endpoint) {
  auto it = nodes_.find(endpoint);
  if (it == nodes_.end() || it->second.mark != Mark::in_flight) return;
  it->second.mark = Mark::visited;
  --in_flight_;
  ++visited_;
}

void Scheduler::abandoned(const PeerEndpoint& endpoint) {
  auto it = nodes_.find(endpoint);
  if (it == nodes_.end() || it->second.mark != Mark::in_flight) return;
  it->second.mark = Mark::queued;
  --in_flight_;
  queue_.push_front(endpoint);
}

void Scheduler::new_round() {
  std::vector<std::pair<std::uint64_t, PeerEndpoint>> order;
  order.reserve(nodes_.size());
  for (auto& [endpoint, node] : nodes_) {
    if (node.mark == Mark::in_flight) continue;  // still counted; it finishes into this round
    node.mark = Mark::queued;
    order.emplace_back(node.order, endpoint);
  }
  std::sort(order.begin(), order.end());
  queue_.clear();
  for (auto& [o, endpoint] : order)
    queue_.push_back(endpoint);
  visited_ = 0;
}

}  // namespace bsvpeer::crawl
