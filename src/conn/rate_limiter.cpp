#include <bsvpeer/conn/rate_limiter.hpp>

#include <algorithm>
#include <chrono>

namespace bsvpeer::conn {

RateLimiter::RateLimiter(double messages_per_second, double burst)
    : rate_(messages_per_second), burst_(burst), tokens_(burst) {}

double RateLimiter::refilled(TimePoint now) const {
  if (!last_ || now <= *last_) return tokens_;
  const double seconds = std::chrono::duration<double>(now - *last_).count();
  return std::min(burst_, tokens_ + seconds * rate_);
}

double RateLimiter::available(TimePoint now) const {
  return refilled(now);
}

bool RateLimiter::try_acquire(TimePoint now) {
  tokens_ = refilled(now);
  if (!last_ || now > *last_) last_ = now;
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  ++rejected_;
  return false;
}

}  // namespace bsvpeer::conn
