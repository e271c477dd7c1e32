#include "reliability.hpp"

#include <cmath>

namespace bsvpeer::crawl {

void DecayingRate::update(bool success, double age_s, double window_s) {
  // The seeder's update: old evidence fades by exp(-age / window).
  const double f = std::exp(-age_s / window_s);
  reliability = reliability * f + (success ? 1.0 - f : 0.0);
  count = count * f + 1;
  weight = weight * f + (1.0 - f);
}

void Reliability::record(bool answered, UnixSeconds now) {
  // Before the first visit all evidence is "infinitely old": f = 0, the first result counts whole.
  const double age =
      last_attempt ? static_cast<double>(std::max<UnixSeconds>(0, now - *last_attempt)) : 1e12;
  for (std::size_t i = 0; i < windows.size(); ++i) {
    windows[i].update(answered, age, kWindowSeconds[i]);
  }
  ++rounds_seen;
  if (answered) {
    ++rounds_answered;
    last_success = now;
  }
  last_attempt = now;
}

}  // namespace bsvpeer::crawl
