#pragma once
// SV's per-connection ban score (bsv-protocol.md §8): additive points, and a ban when the
// total reaches the threshold (-banscore, default 100).
#include <string>
#include <string_view>

namespace bsvpeer::conn {

// Points SV adds for each fault (bsv-protocol.md §8 table).
namespace misbehavior_points {
inline constexpr int kMissingVersion = 1;        // any message except version/reject first
inline constexpr int kMissingVerack = 1;         // a non-handshake message before the verack
inline constexpr int kDuplicateVersion = 1;      // a second version
inline constexpr int kDuplicateSendHeaders = 1;  // a second sendheaders
inline constexpr int kOversizedAddr = 20;        // addr with more than 1000 entries
inline constexpr int kOversizedHeaders = 20;     // headers with more than 2000 entries
inline constexpr int kCompactSizeTooLarge = 1;   // a CompactSize above MAX_SIZE
inline constexpr int kInvalidChecksumBurst = 1;  // a burst of bad checksums
inline constexpr int kDuplicateSendHdrsEn = 1;   // a second sendhdrsen
inline constexpr int kNoBloom = 100;  // filterload/filteradd while we lack NODE_BLOOM (>= 70011)
inline constexpr int kOversizedBloomFilter = 100;  // filterload above 36,000 bytes or 50 hashes
inline constexpr int kInvalidFilterAdd = 100;      // filteradd element above 520 bytes
}  // namespace misbehavior_points

inline constexpr int kDefaultBanThreshold = 100;

class MisbehaviorScore {
 public:
  explicit MisbehaviorScore(int threshold = kDefaultBanThreshold);

  // Adds `points` (ignored when not positive) and returns true exactly once: on the addition
  // that makes the score reach the threshold, as SV's Misbehaving() decides to ban.
  bool add(int points, std::string_view reason);

  int score() const noexcept { return score_; }
  int threshold() const noexcept { return threshold_; }
  bool threshold_reached() const noexcept { return score_ >= threshold_; }
  // The reason given with the latest positive addition; empty before the first.
  const std::string& last_reason() const noexcept { return last_reason_; }

 private:
  int threshold_;
  int score_ = 0;
  std::string last_reason_;
};

}  // namespace bsvpeer::conn
