#pragma once
// How dependable a node is over time, as sipa's bitcoin-seeder keeps it (db.h CAddrStat): per
// round seen/answered counts, the last success, and for five windows (2 h, 8 h, 1 d, 1 w, 30 d)
// an exponentially decaying success rate, so a node that was up last month but not today falls
// out of the seed list without a sliding window to store. A pure core: `now` is passed in.
#include <bsvpeer/peer/peer_record.hpp>

#include <array>
#include <optional>
#include <string_view>

namespace bsvpeer::crawl {

using peer::UnixSeconds;

struct DecayingRate {
  double weight = 0;       // how much evidence, in (0, 1]
  double count = 0;        // decayed number of attempts
  double reliability = 0;  // decayed number of successes, scaled like weight

  // reliability / weight: the success rate in this window; 0 without evidence.
  double rate() const noexcept { return weight > 0 ? reliability / weight : 0; }
  void update(bool success, double age_s, double window_s);
};

inline constexpr std::array<std::string_view, 5> kWindowNames{"2h", "8h", "1d", "1w", "1m"};
inline constexpr std::array<double, 5> kWindowSeconds{2 * 3600.0, 8 * 3600.0, 86400.0, 7 * 86400.0,
                                                      30 * 86400.0};

struct Reliability {
  std::uint32_t rounds_seen = 0;      // rounds in which a visit ended
  std::uint32_t rounds_answered = 0;  // ... with a completed handshake
  std::optional<UnixSeconds> last_attempt;
  std::optional<UnixSeconds> last_success;
  std::array<DecayingRate, 5> windows{};

  // One visit ended at `now`.
  void record(bool answered, UnixSeconds now);
  // answered / seen; 0 before the first visit.
  double uptime() const noexcept {
    return rounds_seen ? static_cast<double>(rounds_answered) / rounds_seen : 0;
  }
  friend bool operator==(const Reliability& a, const Reliability& b) {
    return a.rounds_seen == b.rounds_seen && a.rounds_answered == b.rounds_answered &&
           a.last_attempt == b.last_attempt && a.last_success == b.last_success;
  }
};

}  // namespace bsvpeer::crawl
