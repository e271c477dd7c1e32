#pragma once
// The version/verack exchange as a pure state machine with four flags (bsv-protocol.md §4).
// It decides which received commands the handshake admits (SV's gates, §4.2) and what we send:
// outbound, our version at start; on the peer's accepted version, our version first when
// inbound (SV-style "shy"), then verack, then protoconf, with nothing before our verack.
#include <bsvpeer/conn/connection_action.hpp>
#include <bsvpeer/conn/direction.hpp>
#include <bsvpeer/wire/messages/handshake.hpp>

#include <iosfwd>
#include <optional>
#include <string_view>

namespace bsvpeer::conn {

struct HandshakeFlags {
  bool version_sent = false;
  bool version_received = false;
  bool verack_sent = false;
  bool verack_received = false;

  bool complete() const noexcept {
    return version_sent && version_received && verack_sent && verack_received;
  }
  friend bool operator==(const HandshakeFlags&, const HandshakeFlags&) = default;
};
std::ostream& operator<<(std::ostream& os, const HandshakeFlags& flags);

// Where a received command stands with respect to the handshake.
enum class HandshakeGate {
  admit,            // process it
  missing_version,  // before the peer's version: SV +1 and drop
  missing_verack,   // after its version but before its verack: SV +1 and drop
};
std::string_view to_string(HandshakeGate g) noexcept;
std::ostream& operator<<(std::ostream& os, HandshakeGate g);

class Handshake {
 public:
  // `our_protoconf` nullopt: send none.
  Handshake(Direction direction, wire::Version our_version,
            std::optional<wire::Protoconf> our_protoconf);

  // Outbound: sends our version. Inbound: sends nothing (we wait for the peer's version).
  void start(Actions& out);

  // Gate for a received command. version and reject are always admitted (the caller handles a
  // duplicate version); verack, authch and authresp are admitted once the version is in.
  HandshakeGate gate(std::string_view command) const;

  // The peer's version passed validation: records it and sends what we owe, in order:
  // (inbound) our version, our verack, our protoconf. Precondition: no version received yet.
  void accept_peer_version(wire::Version peer, Actions& out);

  // The peer's verack (precondition: its version was accepted). Returns true when it completes
  // the handshake, false for a repeated verack.
  bool accept_peer_verack();

  Direction direction() const noexcept { return direction_; }
  const HandshakeFlags& flags() const noexcept { return flags_; }
  bool complete() const noexcept { return flags_.complete(); }
  const std::optional<wire::Version>& peer_version() const noexcept { return peer_version_; }
  const wire::Version& our_version() const noexcept { return our_version_; }

 private:
  void send_our_version(Actions& out);

  Direction direction_;
  wire::Version our_version_;
  std::optional<wire::Protoconf> our_protoconf_;
  HandshakeFlags flags_;
  std::optional<wire::Version> peer_version_;
};

}  // namespace bsvpeer::conn
