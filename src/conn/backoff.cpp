#include <bsvpeer/conn/backoff.hpp>
#include <bsvpeer/conn/thread_random.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <ostream>
#include <random>
#include <stdexcept>

namespace bsvpeer::conn {

std::string_view to_string(FailureKind kind) noexcept {
  switch (kind) {
    case FailureKind::connection_refused:
      return "connection_refused";
    case FailureKind::timeout:
      return "timeout";
    case FailureKind::connection_reset:
      return "connection_reset";
    case FailureKind::network_unreachable:
      return "network_unreachable";
    case FailureKind::handshake_timeout:
      return "handshake_timeout";
    case FailureKind::peer_closed:
      return "peer_closed";
    case FailureKind::banned_user_agent:
      return "banned_user_agent";
    case FailureKind::wrong_magic:
      return "wrong_magic";
    case FailureKind::misbehaviour_ban:
      return "misbehaviour_ban";
    case FailureKind::wrong_network:
      return "wrong_network";
  }
  return "unknown_failure";
}

std::ostream& operator<<(std::ostream& os, FailureKind kind) {
  return os << to_string(kind);
}

bool is_retryable(FailureKind kind) noexcept {
  switch (kind) {
    case FailureKind::connection_refused:
    case FailureKind::timeout:
    case FailureKind::connection_reset:
    case FailureKind::network_unreachable:
    case FailureKind::handshake_timeout:
    case FailureKind::peer_closed:
      return true;
    case FailureKind::banned_user_agent:
    case FailureKind::wrong_magic:
    case FailureKind::misbehaviour_ban:
    case FailureKind::wrong_network:
      return false;
  }
  return false;
}

std::string_view to_string(BackoffAction action) noexcept {
  switch (action) {
    case BackoffAction::retry:
      return "retry";
    case BackoffAction::give_up:
      return "give_up";
    case BackoffAction::never_retry:
      return "never_retry";
  }
  return "unknown_action";
}

std::ostream& operator<<(std::ostream& os, BackoffAction action) {
  return os << to_string(action);
}

std::optional<std::string> BackoffConfig::validate() const {
  if (initial_delay <= Duration::zero()) return "initial_delay must be positive";
  if (max_delay < initial_delay) return "max_delay must not be below initial_delay";
  if (!std::isfinite(multiplier) || multiplier < 1.0) return "multiplier must be at least 1";
  if (!(jitter >= 0.0 && jitter < 1.0)) return "jitter must be in [0, 1)";
  if (inaccessible_delay < Duration::zero()) return "inaccessible_delay must not be negative";
  return std::nullopt;
}

UnitRandom make_unit_random() {
  // The calling thread's engine at each draw: nothing seeded or allocated per Backoff.
  return [] { return std::uniform_real_distribution<double>(0.0, 1.0)(thread_random_engine()); };
}

Backoff::Backoff(BackoffConfig config, UnitRandom random)
    : config_(config), random_(std::move(random)) {
  if (auto problem = config_.validate()) throw std::invalid_argument("Backoff: " + *problem);
  if (!random_) throw std::invalid_argument("Backoff: no random source");
}

Duration Backoff::base_delay(std::uint32_t retry) const noexcept {
  // In floating point so a large retry count saturates (pow gives inf) instead of
  // overflowing the integer tick count.
  const double ticks =
      static_cast<double>(config_.initial_delay.count()) * std::pow(config_.multiplier, retry);
  if (!(ticks < static_cast<double>(config_.max_delay.count()))) return config_.max_delay;
  return Duration(static_cast<Duration::rep>(ticks));
}

Duration Backoff::jittered(Duration base) {
  if (config_.jitter == 0.0) return base;
  const double unit = std::clamp(random_(), 0.0, 1.0);
  const double factor = 1.0 + config_.jitter * (2.0 * unit - 1.0);
  return Duration(
      static_cast<Duration::rep>(std::llround(static_cast<double>(base.count()) * factor)));
}

Duration Backoff::next_delay() {
  return jittered(base_delay(retry_count_));
}

BackoffDecision Backoff::record_failure(FailureKind kind, TimePoint now) {
  if (never_retry_ || !is_retryable(kind)) {
    never_retry_ = true;
    eligible_at_ = TimePoint::max();
    return {BackoffAction::never_retry, eligible_at_};
  }
  if (retry_count_ >= config_.max_retries) {
    inaccessible_ = true;
    if (retry_count_ < std::numeric_limits<std::uint32_t>::max()) ++retry_count_;
    eligible_at_ = now + jittered(config_.inaccessible_delay);
    return {BackoffAction::give_up, eligible_at_};
  }
  eligible_at_ = now + next_delay();
  ++retry_count_;
  return {BackoffAction::retry, eligible_at_};
}

void Backoff::record_success() noexcept {
  retry_count_ = 0;
  inaccessible_ = false;
  never_retry_ = false;
  eligible_at_ = TimePoint::min();
}

}  // namespace bsvpeer::conn
