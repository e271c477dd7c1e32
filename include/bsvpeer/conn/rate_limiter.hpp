#pragma once
// Optional DoS guard: a token bucket on inbound messages of one peer. Pure: time is passed in.
#include <bsvpeer/conn/clock.hpp>

#include <cstdint>
#include <optional>

namespace bsvpeer::conn {

struct RateLimit {
  double messages_per_second = 500.0;  // sustained rate (bucket refill)
  double burst = 1000.0;               // bucket size: messages accepted at once after a pause
  int misbehavior_per_excess = 1;      // ban-score points for each message over the limit
};

class RateLimiter {
 public:
  // The bucket starts full.
  RateLimiter(double messages_per_second, double burst);
  explicit RateLimiter(const RateLimit& limit)
      : RateLimiter(limit.messages_per_second, limit.burst) {}

  // Takes one token if there is one. A `now` earlier than a previous call refills nothing.
  bool try_acquire(TimePoint now);
  // Tokens available at `now` (after refill), without taking any.
  double available(TimePoint now) const;
  std::uint64_t rejected() const noexcept { return rejected_; }

 private:
  double refilled(TimePoint now) const;

  double rate_;
  double burst_;
  double tokens_;
  std::optional<TimePoint> last_;
  std::uint64_t rejected_ = 0;
};

}  // namespace bsvpeer::conn
