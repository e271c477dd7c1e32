#pragma once
// The one clock of the connection layer. Pure cores never read it: callers pass `now` in, so
// tests drive time with plain TimePoint values and never sleep.
#include <chrono>

namespace bsvpeer::conn {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;

}  // namespace bsvpeer::conn
