#pragma once
// Whether a lost outbound connection may restart itself: at most max_restarts restarts in
// any sliding window of `window` length. A pure core: the caller passes `now`.
//
// Sliding, not fixed: a fixed window would allow 2 x max_restarts in quick succession
// across a window boundary; with a sliding one each restart stops counting exactly `window`
// after it happened, and after a quiet full window the count is back to zero.
//
// The window is built for one connection's Direction; an inbound one never grants a restart
// (we cannot dial back a peer whose listening port we do not know), so an owner cannot ask
// for an inbound restart by mistake. The delay before a granted restart comes from Backoff.
#include <bsvpeer/conn/backoff.hpp>
#include <bsvpeer/conn/clock.hpp>
#include <bsvpeer/conn/direction.hpp>

#include <cstdint>
#include <deque>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace bsvpeer::conn {

struct RestartWindowConfig {
  std::uint32_t max_restarts = 3;  // 0 disables restarts
  Duration window = std::chrono::minutes(10);

  // Why the config cannot work, or nullopt when it can.
  std::optional<std::string> validate() const;
};

enum class RestartVerdict {
  restart,                 // granted and counted
  inbound_never_restarts,  // this window belongs to an inbound connection
  not_a_network_failure,   // ban-worthy failures end the connection for good
  window_full,             // max_restarts already happened within the window
};

std::string_view to_string(RestartVerdict verdict) noexcept;
std::ostream& operator<<(std::ostream& os, RestartVerdict verdict);

// One connection's restart budget. Owned by the connection actor; not thread-safe.
class RestartWindow {
 public:
  // Throws std::invalid_argument when config.validate() reports a problem.
  explicit RestartWindow(Direction direction, RestartWindowConfig config = {});

  // Asks to restart after the connection was lost to `why`; a granted restart is counted.
  RestartVerdict try_restart(FailureKind why, TimePoint now);

  // Restarts granted in (now - window, now].
  std::uint32_t restarts_in_window(TimePoint now) const noexcept;
  // Restarts granted over the window's life, for the PeerStore's restart_count.
  std::uint64_t total_restarts() const noexcept { return total_restarts_; }
  Direction direction() const noexcept { return direction_; }

 private:
  void forget_expired(TimePoint now);

  Direction direction_;
  RestartWindowConfig config_;
  std::deque<TimePoint> granted_;  // oldest first; never more than max_restarts
  std::uint64_t total_restarts_ = 0;
};

}  // namespace bsvpeer::conn
