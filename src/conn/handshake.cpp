#include <bsvpeer/conn/handshake.hpp>

#include <ostream>
#include <utility>

namespace bsvpeer::conn {

std::ostream& operator<<(std::ostream& os, const HandshakeFlags& flags) {
  const auto mark = [](bool b) { return b ? "yes" : "no"; };
  return os << "{version sent " << mark(flags.version_sent) << ", received "
            << mark(flags.version_received) << "; verack sent " << mark(flags.verack_sent)
            << ", received " << mark(flags.verack_received) << "}";
}

std::string_view to_string(HandshakeGate g) noexcept {
  switch (g) {
    case HandshakeGate::admit:
      return "admit";
    case HandshakeGate::missing_version:
      return "missing_version";
    case HandshakeGate::missing_verack:
      return "missing_verack";
  }
  return "unknown gate";
}

std::ostream& operator<<(std::ostream& os, HandshakeGate g) {
  return os << to_string(g);
}

Handshake::Handshake(Direction direction, wire::Version our_version,
                     std::optional<wire::Protoconf> our_protoconf)
    : direction_(direction),
      our_version_(std::move(our_version)),
      our_protoconf_(std::move(our_protoconf)) {}

void Handshake::send_our_version(Actions& out) {
  out.push_back(SendMessage{our_version_, true});
  flags_.version_sent = true;
}

void Handshake::start(Actions& out) {
  if (direction_ == Direction::outbound && !flags_.version_sent) send_our_version(out);
}

HandshakeGate Handshake::gate(std::string_view command) const {
  // SV ProcessMessage: reject and version are processed in any state.
  if (command == wire::Reject::kCommand || command == wire::Version::kCommand) {
    return HandshakeGate::admit;
  }
  if (!flags_.version_received) return HandshakeGate::missing_version;
  if (flags_.verack_received) return HandshakeGate::admit;
  // Between the peer's version and its verack SV admits only these.
  if (command == wire::Verack::kCommand || command == wire::AuthCh::kCommand ||
      command == "authresp") {
    return HandshakeGate::admit;
  }
  return HandshakeGate::missing_verack;
}

void Handshake::accept_peer_version(wire::Version peer, Actions& out) {
  peer_version_ = std::move(peer);
  flags_.version_received = true;
  // Inbound we stayed silent until now; we never copy the peer's association id into ours,
  // so the connection stays single-stream.
  if (!flags_.version_sent) send_our_version(out);
  out.push_back(SendMessage{wire::Verack{}, true});
  flags_.verack_sent = true;
  if (our_protoconf_) out.push_back(SendMessage{*our_protoconf_, true});
}

bool Handshake::accept_peer_verack() {
  if (flags_.verack_received) return false;
  flags_.verack_received = true;
  return flags_.complete();
}

}  // namespace bsvpeer::conn
