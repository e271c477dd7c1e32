#include <bsvpeer/conn/misbehavior.hpp>

#include <limits>

namespace bsvpeer::conn {

MisbehaviorScore::MisbehaviorScore(int threshold) : threshold_(threshold) {}

bool MisbehaviorScore::add(int points, std::string_view reason) {
  if (points <= 0) return false;
  const bool was_below = score_ < threshold_;
  // Saturate rather than overflow: any score past the threshold means the same.
  constexpr int kMax = std::numeric_limits<int>::max();
  score_ = points > kMax - score_ ? kMax : score_ + points;
  last_reason_.assign(reason);
  return was_below && score_ >= threshold_;
}

}  // namespace bsvpeer::conn
