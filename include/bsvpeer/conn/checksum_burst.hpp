#pragma once
// SV drops a frame with a bad checksum without penalty, unless they come in a burst: more
// than -invalidcsfreq (100) failures, each less than -invalidcsinterval (500 ms) after the
// previous one, cost +1 (bsv-protocol.md §2.1, §8).
#include <bsvpeer/conn/clock.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace bsvpeer::conn {

struct ChecksumBurstRule {
  std::size_t max_failures = 100;  // failures a burst may hold before it is penalised
  Duration max_gap = std::chrono::milliseconds(500);  // a longer gap starts a new burst
  int points = 1;                                     // added when a burst exceeds the limit
};

class ChecksumBurstDetector {
 public:
  explicit ChecksumBurstDetector(ChecksumBurstRule rule = {});

  // Records one bad checksum at `now`. Returns true when the current burst has just exceeded
  // `max_failures`; the burst then starts over, so a sustained flood is penalised repeatedly.
  bool on_failure(TimePoint now);

  std::size_t burst_length() const noexcept { return burst_length_; }
  std::uint64_t total_failures() const noexcept { return total_failures_; }
  const ChecksumBurstRule& rule() const noexcept { return rule_; }

 private:
  ChecksumBurstRule rule_;
  std::optional<TimePoint> last_failure_;
  std::size_t burst_length_ = 0;
  std::uint64_t total_failures_ = 0;
};

}  // namespace bsvpeer::conn
