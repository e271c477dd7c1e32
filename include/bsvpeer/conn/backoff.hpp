#pragma once
// Exponential backoff for dialling one peer again, and which failures deserve a retry at all.
// A pure core: the caller passes `now`; the jitter comes from an injected random source, so
// tests choose it.
#include <bsvpeer/conn/clock.hpp>

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace bsvpeer::conn {

// Why a dial or a connection failed, as far as retrying is concerned. The Manager maps
// DisconnectReason and socket errors onto these.
enum class FailureKind {
  // Retryable: the network or the peer's availability, not what the peer is.
  connection_refused,
  timeout,
  connection_reset,
  network_unreachable,
  handshake_timeout,
  peer_closed,
  // Ban-worthy: the peer is not one we want; trying again cannot help.
  banned_user_agent,
  wrong_magic,
  misbehaviour_ban,
  wrong_network,
};

std::string_view to_string(FailureKind kind) noexcept;
std::ostream& operator<<(std::ostream& os, FailureKind kind);
bool is_retryable(FailureKind kind) noexcept;  // false: ban-worthy, never retried

struct BackoffConfig {
  Duration initial_delay = std::chrono::seconds(1);
  double multiplier = 2.0;
  // Caps the base delay; jitter then spreads it, so the longest wait is
  // max_delay x (1 + jitter). Capping after the jitter would put every capped peer on the
  // same instant again (anchors.md §9, lesson 9).
  Duration max_delay = std::chrono::minutes(5);
  double jitter = 0.2;  // each delay is scaled by a uniform factor in [1 - jitter, 1 + jitter]
  std::uint32_t max_retries = 6;  // retries after which the peer is given up as Inaccessible
  // How long an Inaccessible peer waits before the Manager may pick it again (jittered too).
  Duration inaccessible_delay = std::chrono::minutes(30);

  // Why the config cannot work, or nullopt when it can.
  std::optional<std::string> validate() const;
};

// A uniformly distributed value in [0, 1]; values outside are clamped.
using UnitRandom = std::function<double()>;
// The calling thread's engine (thread_random.hpp), seeded once per thread.
UnitRandom make_unit_random();

enum class BackoffAction {
  retry,        // dial again at eligible_at
  give_up,      // retries exhausted: Inaccessible until eligible_at
  never_retry,  // ban-worthy: eligible_at is TimePoint::max()
};

std::string_view to_string(BackoffAction action) noexcept;
std::ostream& operator<<(std::ostream& os, BackoffAction action);

struct BackoffDecision {
  BackoffAction action = BackoffAction::retry;
  TimePoint eligible_at{};  // the earliest time the peer may be dialled again

  bool operator==(const BackoffDecision&) const = default;
};

// One peer's retry state. Owned by whoever dials the peer; not thread-safe.
class Backoff {
 public:
  // Throws std::invalid_argument when config.validate() reports a problem: validate configs
  // from users first; a bad one here is a bug.
  explicit Backoff(BackoffConfig config = {}, UnitRandom random = make_unit_random());

  // initial_delay x multiplier^retry, capped at max_delay, without jitter.
  Duration base_delay(std::uint32_t retry) const noexcept;
  // The delay the next retryable failure gets: base_delay(retry_count()) with fresh jitter.
  Duration next_delay();

  BackoffDecision record_failure(FailureKind kind, TimePoint now);
  // Back to a fresh state: no retries counted, eligible at once. This also clears a
  // never-retry verdict, since a peer that connected (after an operator unbanned it) is fine.
  void record_success() noexcept;

  std::uint32_t retry_count() const noexcept { return retry_count_; }
  bool inaccessible() const noexcept { return inaccessible_; }
  bool never_retry() const noexcept { return never_retry_; }
  TimePoint eligible_at() const noexcept { return eligible_at_; }
  // Never after a ban-worthy failure; otherwise once the current delay has elapsed.
  bool eligible(TimePoint now) const noexcept { return !never_retry_ && now >= eligible_at_; }

 private:
  Duration jittered(Duration base);

  BackoffConfig config_;
  UnitRandom random_;
  std::uint32_t retry_count_ = 0;
  bool inaccessible_ = false;
  bool never_retry_ = false;
  TimePoint eligible_at_ = TimePoint::min();
};

}  // namespace bsvpeer::conn
