#pragma once
// The pure "functional core" of one peer connection: no sockets, no timers, no clock reads.
// The socket actor (PeerConnection) feeds it decoded frames, decode failures, byte activity
// and timer expiries, each with the current time; it executes the returned actions in order
// and keeps ONE timer armed at next_deadline().
//
// Driving contract for the owner:
//  - call start() once, when the TCP connection is up;
//  - after every call, re-arm the timer at next_deadline() (TimePoint::max(): no timer).
//    on_bytes_received/on_bytes_sent only move deadlines later, so a timer armed earlier may
//    simply fire, find nothing due, and be re-armed;
//  - stop reading and writing after a Disconnect or Ban action: the core is closed and
//    ignores every later input.
#include <bsvpeer/conn/checksum_burst.hpp>
#include <bsvpeer/conn/clock.hpp>
#include <bsvpeer/conn/connection_action.hpp>
#include <bsvpeer/conn/connection_policy.hpp>
#include <bsvpeer/conn/connection_state.hpp>
#include <bsvpeer/conn/direction.hpp>
#include <bsvpeer/conn/disconnect_reason.hpp>
#include <bsvpeer/conn/handshake.hpp>
#include <bsvpeer/conn/misbehavior.hpp>
#include <bsvpeer/conn/ping_tracker.hpp>
#include <bsvpeer/conn/rate_limiter.hpp>
#include <bsvpeer/conn/version_check.hpp>
#include <bsvpeer/wire/error.hpp>
#include <bsvpeer/wire/message.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace bsvpeer::conn {

class ConnectionCore {
 public:
  // `our_version` is sent as given (its nonce identifies this connection for self-connection
  // checks); it must carry no association id other than none/null/a 17-byte UUID id, and a
  // user agent SV accepts. `random_nonce` feeds ping nonces. Throws std::invalid_argument on
  // an unusable policy or version (a bug in the caller, not peer input).
  ConnectionCore(Direction direction, ConnectionPolicy policy, wire::Version our_version,
                 LocalNonceCheck is_local_nonce, NonceSource random_nonce);
  // The same with a policy shared by many connections (not copied per connection).
  ConnectionCore(Direction direction, std::shared_ptr<const ConnectionPolicy> policy,
                 wire::Version our_version, LocalNonceCheck is_local_nonce,
                 NonceSource random_nonce);

  // Enters awaiting_handshake and starts the handshake deadline; outbound sends our version.
  void start(TimePoint now, Actions& out);

  // A decoded message from the peer. Must be called after start().
  void on_message(wire::Message message, TimePoint now, Actions& out);
  // A frame with a valid header whose payload did not decode as `command`.
  void on_decode_error(std::string_view command, wire::Error error, TimePoint now, Actions& out);
  // A frame the decoder skipped: bad_checksum (burst rule) or bad_command (silently).
  void on_frame_dropped(wire::Error error, TimePoint now, Actions& out);
  // A frame error after which the stream cannot continue: wrong_magic, payload_too_large,
  // extmsg_not_allowed -> Ban.
  void on_frame_fatal(wire::Error error, Actions& out);

  // Byte activity for the inactivity timeout (SV's nLastRecv / nLastSend).
  void on_bytes_received(TimePoint now);
  void on_bytes_sent(TimePoint now);

  // Checks every deadline at `now`: handshake, ping timeout, inactivity, next ping.
  void on_timer(TimePoint now, Actions& out);
  // The earliest moment on_timer has something to do; TimePoint::max() when nothing is armed
  // (idle or closed).
  TimePoint next_deadline() const;

  // A user message for the peer. Emits SendMessage and returns nullopt, or returns why it must
  // not be sent (before the handshake completes, a message the core owns, or one SV punishes:
  // inv types other than tx/block, a second sendheaders, addr > 1000, headers > 2000).
  std::optional<std::string> send_user_message(wire::Message message, Actions& out);
  // An extra ping now (RPC `ping`); false when not established, the peer is <= 60000, or
  // max_outstanding_pings are in flight.
  bool request_ping(TimePoint now, Actions& out);
  // A local decision to close (user request, shutdown, transport failure). The first reason
  // wins: nothing is emitted if the core is already closed.
  void disconnect(DisconnectReason reason, std::string detail, Actions& out);

  // Queries.
  Direction direction() const noexcept { return handshake_.direction(); }
  ConnectionState state() const noexcept { return state_; }
  const HandshakeFlags& handshake_flags() const noexcept { return handshake_.flags(); }
  bool handshake_complete() const noexcept { return handshake_.complete(); }
  const wire::Version& our_version() const noexcept { return handshake_.our_version(); }
  const std::optional<wire::Version>& peer_version() const noexcept {
    return handshake_.peer_version();
  }
  // min(peer version, 70016) once the peer's version is accepted; 209 (INIT_PROTO_VERSION)
  // before, as SV serialises the handshake.
  std::int32_t negotiated_version() const noexcept;
  // Largest payload the peer accepts: 1 MiB until its protoconf, then its value.
  std::uint64_t peer_max_recv_payload() const noexcept;
  const std::optional<wire::Protoconf>& peer_protoconf() const noexcept { return peer_protoconf_; }
  // The peer sent sendheaders: announce new blocks to it with headers, not inv.
  bool peer_prefers_headers() const noexcept { return peer_sent_sendheaders_; }
  int misbehavior_score() const noexcept { return misbehavior_.score(); }
  PingStats ping_stats() const { return pings_.stats(); }
  std::uint64_t invalid_checksums() const noexcept { return checksum_burst_.total_failures(); }
  std::optional<DisconnectReason> close_reason() const noexcept { return close_reason_; }
  const ConnectionPolicy& policy() const noexcept { return *policy_; }
  // A config change on a live session: ping interval/timeout/bound, inactivity timeouts, ban
  // duration, getheaders/getdata answers and the mempool rule take effect at once
  // (next_deadline() moves with them). What was decided for the connection stays: version
  // rules, the handshake timeout, an over-capacity connection's polite reject, the rate limit,
  // the ban threshold and whether the peer is whitelisted.
  void update_timers(const ConnectionPolicy& policy);

 private:
  void on_peer_version(wire::Version peer, Actions& out);
  void on_peer_verack(TimePoint now, Actions& out);
  void on_established_message(wire::Message message, TimePoint now, Actions& out);
  void on_ping(const wire::Ping& ping, Actions& out);
  void on_pong(const wire::Pong& pong, TimePoint now, Actions& out);
  void on_protoconf(wire::Message message, Actions& out);
  void on_sendheaders(wire::Message message, Actions& out);
  void on_inv(wire::Message message, Actions& out);
  void on_getheaders(wire::Message message, Actions& out);
  // connection_core_requests.cpp: getdata, BIP37 filters, mempool, sendhdrsen.
  void on_getdata(wire::Message message, Actions& out);
  bool on_bloom_without_service(const wire::Message& message, Actions& out);
  void on_unknown_established(wire::Message message, Actions& out);
  void on_filterload(wire::Message message, Actions& out);
  void on_filteradd(wire::Message message, Actions& out);
  void on_mempool(wire::Message message, Actions& out);
  void on_sendhdrsen(wire::Message message, Actions& out);
  void reject_unparsable(std::string_view command, wire::Error error, Actions& out);

  bool admit_by_rate(TimePoint now, Actions& out);
  bool admit_by_gate(std::string_view command, Actions& out);
  void reject_duplicate_version(Actions& out);
  void send_ping(TimePoint now, Actions& out);
  void send_reject(std::string_view command, wire::RejectCode code, std::string reason,
                   Actions& out);
  void misbehave(int points, std::string reason, Actions& out);
  void close(DisconnectReason reason, std::string detail, Actions& out);
  void ban(DisconnectReason reason, std::string detail, Actions& out);
  TimePoint receive_deadline() const;
  TimePoint send_deadline() const;
  TimePoint inactivity_deadline() const;
  void require_started() const;

  std::shared_ptr<const ConnectionPolicy> policy_;  // replaced, never changed in place
  VersionRules version_rules_;
  LocalNonceCheck is_local_nonce_;
  Handshake handshake_;
  PingTracker pings_;
  MisbehaviorScore misbehavior_;
  ChecksumBurstDetector checksum_burst_;
  std::optional<RateLimiter> rate_limiter_;

  ConnectionState state_ = ConnectionState::idle;
  std::optional<DisconnectReason> close_reason_;
  TimePoint handshake_deadline_{};
  TimePoint last_received_{};
  TimePoint last_sent_{};
  std::optional<wire::Protoconf> peer_protoconf_;
  bool peer_sent_sendheaders_ = false;
  bool we_sent_sendheaders_ = false;
  bool peer_sent_sendhdrsen_ = false;
};

}  // namespace bsvpeer::conn
