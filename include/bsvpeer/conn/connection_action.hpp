#pragma once
// What the pure connection core asks its owner (the socket actor) to do. The core never
// performs I/O: every decision comes back as one of these, in the order to execute them.
#include <bsvpeer/conn/clock.hpp>
#include <bsvpeer/conn/disconnect_reason.hpp>
#include <bsvpeer/wire/message.hpp>

#include <iosfwd>
#include <string>
#include <variant>
#include <vector>

namespace bsvpeer::conn {

// Write `message` to the peer. Priority messages (handshake, ping, pong, reject) must never
// wait behind bulk data.
struct SendMessage {
  wire::Message message;
  bool priority = false;
  friend bool operator==(const SendMessage&, const SendMessage&) = default;
};

// Close the connection. Always the last action of a batch; the core is closed afterwards.
struct Disconnect {
  DisconnectReason reason;
  std::string detail;
  friend bool operator==(const Disconnect&, const Disconnect&) = default;
};

// Ban the peer's IP for `ban_duration` and close the connection (implies Disconnect).
struct Ban {
  DisconnectReason reason;
  std::string detail;
  Duration ban_duration;
  friend bool operator==(const Ban&, const Ban&) = default;
};

// Both veracks exchanged. Emitted once, before any Deliver of a post-handshake message.
struct HandshakeCompleted {
  wire::Version peer_version;
  friend bool operator==(const HandshakeCompleted&, const HandshakeCompleted&) = default;
};

// A message for the user. Every message accepted by the handshake gates is delivered, except
// those the core consumes: version, verack (reported as HandshakeCompleted), ping, pong, and
// getheaders while the policy answers it. protoconf, sendheaders, reject, getaddr, authch,
// sendcmpct, feefilter and unknown commands are delivered (the last four with no reaction).
struct Deliver {
  wire::Message message;
  friend bool operator==(const Deliver&, const Deliver&) = default;
};

// Ban-score points were added (for logs and getpeerinfo); a Ban follows if the threshold
// was reached.
struct Misbehaved {
  int points;
  int score;
  std::string reason;
  friend bool operator==(const Misbehaved&, const Misbehaved&) = default;
};

// Input dropped without penalty (mismatched pong, bad checksum, duplicate verack, ...), so the
// owner can log it at DEBUG; `command` is empty for frame-level drops.
struct Ignored {
  std::string command;
  std::string why;
  friend bool operator==(const Ignored&, const Ignored&) = default;
};

using Action =
    std::variant<SendMessage, Disconnect, Ban, HandshakeCompleted, Deliver, Misbehaved, Ignored>;
// Passed by reference so the owner can reuse one vector (clear() keeps its capacity).
using Actions = std::vector<Action>;

// One line per message: its command and the fields that identify it.
std::string describe(const wire::Message& message);
std::string to_string(const Action& action);
std::ostream& operator<<(std::ostream& os, const Action& action);

}  // namespace bsvpeer::conn
