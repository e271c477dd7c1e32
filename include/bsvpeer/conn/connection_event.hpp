#pragma once
// What a PeerConnection reports to its owner. Every event carries the peer's identity (id,
// endpoint, direction), so a subscriber never has to ask which connection spoke.
#include <bsvpeer/conn/clock.hpp>
#include <bsvpeer/conn/direction.hpp>
#include <bsvpeer/conn/disconnect_reason.hpp>
#include <bsvpeer/conn/peer_state.hpp>
#include <bsvpeer/wire/message.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>

namespace bsvpeer::conn {

struct PeerIdentity {
  std::uint64_t id = 0;
  boost::asio::ip::tcp::endpoint endpoint;
  Direction direction = Direction::outbound;
};

// A state transition; `reason` is set on the way into Rejected/Failed/Disconnected and when a
// restart goes back to Connecting.
struct StateChanged {
  PeerState from;
  PeerState to;
  std::optional<DisconnectReason> reason;
  std::string detail;
};

// The handshake completed: the peer's version, as received.
struct HandshakeDone {
  wire::Version peer_version;
};

// A decoded message (or the raw payload of an unknown command).
struct MessageReceived {
  wire::Message message;
};

// The peer earned a ban: the owner bans its IP for `duration` (the connection closes itself).
struct BanRequested {
  DisconnectReason reason;
  std::string detail;
  Duration duration;
};

// A block-like payload above the stream threshold, delivered in pieces; `chunk` is only valid
// during the callback. `last` is set once, with `checksum_ok` telling whether it matched.
struct PayloadChunk {
  std::string command;
  std::uint64_t total_length = 0;
  wire::ByteSpan chunk;
  bool first = false;
  bool last = false;
  bool checksum_ok = true;
};

// Ban-score points were added.
struct Misbehaviour {
  int points = 0;
  int score = 0;
  std::string reason;
};

// The outbound connection will dial again after `delay` (restart after a network failure).
struct RestartScheduled {
  Duration delay;
  int restart_count = 0;
};

// A user message was refused by the connection (not yet handshaked, forbidden by protocol
// rules, or the send queue is full).
struct SendRefused {
  std::string command;
  std::string why;
};

struct ConnectionEvent {
  PeerIdentity peer;
  std::variant<StateChanged, HandshakeDone, MessageReceived, BanRequested, PayloadChunk,
               Misbehaviour, RestartScheduled, SendRefused>
      body;
};

// Called on the connection's strand; keep it short (post to your own strand for real work).
using EventHandler = std::function<void(const ConnectionEvent&)>;

}  // namespace bsvpeer::conn
