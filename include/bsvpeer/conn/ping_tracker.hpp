#pragma once
// Our side of ping/pong (bsv-protocol.md §5): a ping every interval with a fresh non-zero
// nonce, the first as soon as the handshake completes; RTT and minimum RTT from matching
// pongs; a ping outstanding longer than the timeout means the peer is unresponsive.
#include <bsvpeer/conn/clock.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string_view>
#include <vector>

namespace bsvpeer::conn {

// Draws a random 64-bit value; injected so tests are deterministic.
using NonceSource = std::function<std::uint64_t()>;

struct PingSettings {
  Duration interval = std::chrono::seconds(120);  // SV PING_INTERVAL
  Duration timeout = std::chrono::minutes(20);    // SV -p2ptimeout
  // Pings in flight at once. Periodic pings wait for the previous pong, like SV; requested
  // pings (an RPC `ping`) may add more, up to this bound.
  std::size_t max_outstanding = 4;
};

enum class PongOutcome {
  matched,      // answered an outstanding ping: RTT measured
  mismatched,   // non-zero nonce we are not waiting for: the ping stays outstanding (SV)
  cancelled,    // nonce 0 or a short payload: SV gives up on the outstanding ping
  unsolicited,  // no ping outstanding
};
std::string_view to_string(PongOutcome o) noexcept;
std::ostream& operator<<(std::ostream& os, PongOutcome o);

struct PongResult {
  PongOutcome outcome;
  std::optional<Duration> rtt;  // set when matched
};

struct PingStats {
  std::optional<Duration> last_rtt;
  std::optional<Duration> min_rtt;
  std::size_t outstanding = 0;
  std::optional<TimePoint> oldest_outstanding_since;  // SV's "pingwait" starts here
  std::uint64_t pings_sent = 0;
  std::uint64_t pongs_matched = 0;
  std::uint64_t pongs_mismatched = 0;
  std::uint64_t pongs_unsolicited = 0;
  std::uint64_t pings_cancelled = 0;
};

class PingTracker {
 public:
  PingTracker(PingSettings settings, NonceSource random_nonce);

  // When the next periodic ping is due: now if none was sent yet, else the last send plus the
  // interval. nullopt while a ping is outstanding (periodic pings wait for its pong).
  std::optional<TimePoint> next_ping_at() const;
  bool ping_due(TimePoint now) const;

  // Records a ping sent at `now` and returns its fresh nonce (never 0, never one in flight);
  // nullopt when `max_outstanding` pings are already in flight.
  std::optional<std::uint64_t> send_ping(TimePoint now);
  // A ping without nonce, sent to a peer of version <= 60000 (BIP31): no pong will come, so
  // only the schedule moves.
  void send_legacy_ping(TimePoint now);

  PongResult on_pong(std::uint64_t nonce, TimePoint now);
  // A pong payload shorter than 8 bytes: SV cancels the outstanding ping ("Short payload").
  void on_short_pong();

  // When the oldest outstanding ping times out; nullopt when none is outstanding.
  std::optional<TimePoint> timeout_at() const;
  bool timed_out(TimePoint now) const;

  PingStats stats() const;
  const PingSettings& settings() const noexcept { return settings_; }
  // New interval/timeout/bound for the pings to come and those in flight (a live config change).
  void set_settings(PingSettings settings) noexcept { settings_ = settings; }

 private:
  struct Outstanding {
    std::uint64_t nonce;
    TimePoint sent_at;
  };
  std::uint64_t fresh_nonce();
  void cancel_all();

  PingSettings settings_;
  NonceSource random_nonce_;
  std::vector<Outstanding> outstanding_;  // in send order; at most max_outstanding
  std::optional<TimePoint> last_sent_;
  PingStats counters_;
};

}  // namespace bsvpeer::conn
