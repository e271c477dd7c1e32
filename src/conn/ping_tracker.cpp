#include <bsvpeer/conn/ping_tracker.hpp>

#include <algorithm>
#include <ostream>
#include <stdexcept>
#include <utility>

namespace bsvpeer::conn {

std::string_view to_string(PongOutcome o) noexcept {
  switch (o) {
    case PongOutcome::matched:
      return "matched";
    case PongOutcome::mismatched:
      return "mismatched";
    case PongOutcome::cancelled:
      return "cancelled";
    case PongOutcome::unsolicited:
      return "unsolicited";
  }
  return "unknown pong outcome";
}

std::ostream& operator<<(std::ostream& os, PongOutcome o) {
  return os << to_string(o);
}

PingTracker::PingTracker(PingSettings settings, NonceSource random_nonce)
    : settings_(settings), random_nonce_(std::move(random_nonce)) {
  if (!random_nonce_) throw std::invalid_argument("PingTracker needs a nonce source");
  if (settings_.max_outstanding == 0) throw std::invalid_argument("max_outstanding must be >= 1");
  outstanding_.reserve(settings_.max_outstanding);
}

std::optional<TimePoint> PingTracker::next_ping_at() const {
  if (!outstanding_.empty()) return std::nullopt;
  if (!last_sent_) return TimePoint::min();
  return *last_sent_ + settings_.interval;
}

bool PingTracker::ping_due(TimePoint now) const {
  const auto at = next_ping_at();
  return at && now >= *at;
}

std::uint64_t PingTracker::fresh_nonce() {
  // A source that keeps returning 0 or nonces in flight is broken; fail loudly, never spin.
  constexpr int kAttempts = 64;
  for (int i = 0; i < kAttempts; ++i) {
    const std::uint64_t nonce = random_nonce_();
    const bool in_flight = std::any_of(outstanding_.begin(), outstanding_.end(),
                                       [nonce](const Outstanding& o) { return o.nonce == nonce; });
    if (nonce != 0 && !in_flight) return nonce;
  }
  throw std::runtime_error("ping nonce source returned no usable nonce");
}

std::optional<std::uint64_t> PingTracker::send_ping(TimePoint now) {
  if (outstanding_.size() >= settings_.max_outstanding) return std::nullopt;
  const std::uint64_t nonce = fresh_nonce();
  outstanding_.push_back({nonce, now});
  last_sent_ = now;
  ++counters_.pings_sent;
  return nonce;
}

void PingTracker::send_legacy_ping(TimePoint now) {
  last_sent_ = now;
  ++counters_.pings_sent;
}

void PingTracker::cancel_all() {
  counters_.pings_cancelled += outstanding_.size();
  outstanding_.clear();
}

PongResult PingTracker::on_pong(std::uint64_t nonce, TimePoint now) {
  if (outstanding_.empty()) {
    ++counters_.pongs_unsolicited;
    return {PongOutcome::unsolicited, std::nullopt};
  }
  if (nonce == 0) {
    cancel_all();
    return {PongOutcome::cancelled, std::nullopt};
  }
  const auto match = std::find_if(outstanding_.begin(), outstanding_.end(),
                                  [nonce](const Outstanding& o) { return o.nonce == nonce; });
  if (match == outstanding_.end()) {
    ++counters_.pongs_mismatched;
    return {PongOutcome::mismatched, std::nullopt};
  }
  const Duration rtt = now - match->sent_at;
  // Pongs come back in order, so older pings still in flight were dropped by the peer; keeping
  // them would time out a peer that just answered.
  counters_.pings_cancelled += static_cast<std::uint64_t>(match - outstanding_.begin());
  outstanding_.erase(outstanding_.begin(), match + 1);
  ++counters_.pongs_matched;
  counters_.last_rtt = rtt;
  counters_.min_rtt = counters_.min_rtt ? std::min(*counters_.min_rtt, rtt) : rtt;
  return {PongOutcome::matched, rtt};
}

void PingTracker::on_short_pong() {
  cancel_all();
}

std::optional<TimePoint> PingTracker::timeout_at() const {
  if (outstanding_.empty()) return std::nullopt;
  return outstanding_.front().sent_at + settings_.timeout;
}

bool PingTracker::timed_out(TimePoint now) const {
  const auto at = timeout_at();
  return at && now >= *at;
}

PingStats PingTracker::stats() const {
  PingStats s = counters_;
  s.outstanding = outstanding_.size();
  if (!outstanding_.empty()) s.oldest_outstanding_since = outstanding_.front().sent_at;
  return s;
}

}  // namespace bsvpeer::conn
