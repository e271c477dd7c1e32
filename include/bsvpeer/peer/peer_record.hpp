#pragma once
// One peer as the store keeps it: where it is, where it stands and why (design.md §5).
#include <bsvpeer/peer/peer_source.hpp>
#include <bsvpeer/peer/peer_status.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace bsvpeer::peer {

// Wall-clock time as seconds since the Unix epoch; callers pass it in, the store never reads
// a clock.
using UnixSeconds = std::int64_t;

struct PeerBan {
  std::string reason;     // e.g. "banned_user_agent", "misbehaviour"
  UnixSeconds until = 0;  // the ban is over at this second

  bool operator==(const PeerBan&) const = default;
};

struct PeerRecord {
  std::string id;  // UUID, stable for the record's life
  std::string ip;  // normalised (see normalise_ip)
  std::uint16_t port = 0;
  PeerStatus status = PeerStatus::unknown;
  UnixSeconds status_since = 0;
  PeerSource source = PeerSource::addr;
  std::uint64_t services = 0;       // from the peer's last version message
  std::string user_agent;           // from the peer's last version message
  std::uint32_t attempts = 0;       // dials started, ever
  std::uint32_t retry_count = 0;    // failures since the last success
  std::uint32_t restart_count = 0;  // restarts of a lost outbound connection, ever
  std::optional<UnixSeconds> last_attempt;
  std::optional<UnixSeconds> last_success;
  // Present exactly when status is banned.
  std::optional<PeerBan> ban;
  // Why the last dial or connection failed; cleared by a success, so it always explains the
  // current status.
  std::string last_error;

  bool operator==(const PeerRecord&) const = default;

  // A ban whose time is over no longer counts, even before the store lifts it.
  bool banned_at(UnixSeconds now) const noexcept {
    return status == PeerStatus::banned && ban.has_value() && now < ban->until;
  }
};

}  // namespace bsvpeer::peer
