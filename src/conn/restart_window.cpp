#include <bsvpeer/conn/restart_window.hpp>

#include <ostream>
#include <stdexcept>

namespace bsvpeer::conn {

std::string_view to_string(RestartVerdict verdict) noexcept {
  switch (verdict) {
    case RestartVerdict::restart:
      return "restart";
    case RestartVerdict::inbound_never_restarts:
      return "inbound_never_restarts";
    case RestartVerdict::not_a_network_failure:
      return "not_a_network_failure";
    case RestartVerdict::window_full:
      return "window_full";
  }
  return "unknown_verdict";
}

std::ostream& operator<<(std::ostream& os, RestartVerdict verdict) {
  return os << to_string(verdict);
}

std::optional<std::string> RestartWindowConfig::validate() const {
  if (window <= Duration::zero()) return "window must be positive";
  return std::nullopt;
}

RestartWindow::RestartWindow(Direction direction, RestartWindowConfig config)
    : direction_(direction), config_(config) {
  if (auto problem = config_.validate()) throw std::invalid_argument("RestartWindow: " + *problem);
}

void RestartWindow::forget_expired(TimePoint now) {
  // A restart at t counts in (t, t + window): it is forgotten exactly `window` later.
  while (!granted_.empty() && now - granted_.front() >= config_.window)
    granted_.pop_front();
}

RestartVerdict RestartWindow::try_restart(FailureKind why, TimePoint now) {
  if (direction_ == Direction::inbound) return RestartVerdict::inbound_never_restarts;
  if (!is_retryable(why)) return RestartVerdict::not_a_network_failure;
  forget_expired(now);
  if (granted_.size() >= config_.max_restarts) return RestartVerdict::window_full;
  granted_.push_back(now);
  ++total_restarts_;
  return RestartVerdict::restart;
}

std::uint32_t RestartWindow::restarts_in_window(TimePoint now) const noexcept {
  std::uint32_t count = 0;
  for (TimePoint granted : granted_) {
    if (now - granted < config_.window) ++count;
  }
  return count;
}

}  // namespace bsvpeer::conn
