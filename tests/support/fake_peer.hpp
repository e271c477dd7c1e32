#pragma once
// A scripted peer that misbehaves on purpose, for integration tests of PeerConnection.
//
// It is blocking and single-threaded: a test drives it step by step from its own thread while
// the actor under test runs on an IoRunner. It uses a plain socket, not Asio, so that nothing
// in the library under test also sits on the tester's side of the wire. Every wait is a poll()
// on the socket with a bound, generous (kFakePeerWait) so that a broken test fails instead of
// hanging; nothing here measures or asserts durations.
//
// It reads with wire::FrameDecoder and writes with wire::encode_payload, and it can break the
// framing on purpose: another magic, a wrong checksum, a declared length that does not match
// the payload, raw bytes, bytes trickled one at a time, or an abortive close (RST).
#include <bsvpeer/conn/disconnect_reason.hpp>
#include <bsvpeer/conn/peer_state.hpp>
#include <bsvpeer/net/network.hpp>
#include <bsvpeer/net/protocol.hpp>
#include <bsvpeer/wire/byte_writer.hpp>
#include <bsvpeer/wire/frame.hpp>
#include <bsvpeer/wire/frame_decoder.hpp>
#include <bsvpeer/wire/message.hpp>
#include <bsvpeer/wire/sha256.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <poll.h>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <unistd.h>
#include <variant>
#include <vector>

namespace bsvpeer::test {

// Bound of every wait of the fake peer unless a test passes its own.
inline constexpr std::chrono::milliseconds kFakePeerWait{10'000};

// Deliberate damage to one frame header; unset fields are computed correctly. The explicit
// default initialisers let a caller name only what it damages ({.checksum = ...}) without
// g++'s -Wmissing-field-initializers.
struct FrameOverrides {
  std::optional<wire::Magic> magic = std::nullopt;
  std::optional<std::array<std::uint8_t, 4>> checksum = std::nullopt;
  std::optional<std::uint32_t> declared_length = std::nullopt;
};

// Header + payload, built field by field (not with append_frame) so that any field can be
// wrong on purpose. The payload is written as given, whatever length the header declares.
//
// GCC 12 at -O3 reports -Wstringop-overflow here ("writing 1 or more bytes into a region of
// size 0"): a false positive of its object-size tracking through vector::_M_range_insert on the
// reallocating path, where the tail moved after an insert at end() is empty. A standalone
// std::vector<uint8_t> that appends a 4-byte and then a 12-byte array reproduces it with no
// project code, ASan sees no out-of-bounds access, and reserve() does not avoid it. GCC tracks
// these under its -Wstringop-overflow meta-bug 88443 (this pattern: PR 106199).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif
inline wire::Bytes build_frame(const wire::Magic& magic, std::string_view command,
                               wire::ByteSpan payload, const FrameOverrides& overrides = {}) {
  auto field = wire::make_command_field(command);
  if (!field) throw std::invalid_argument("FakePeer: bad command " + std::string(command));
  wire::Bytes out;
  wire::ByteWriter w(out);
  w.bytes(overrides.magic.value_or(magic));
  w.bytes(*field);
  w.u32le(overrides.declared_length.value_or(static_cast<std::uint32_t>(payload.size())));
  w.bytes(overrides.checksum.value_or(wire::checksum(payload)));
  w.bytes(payload);
  return out;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// One frame the node under test sent us, in arrival order.
struct ReceivedFrame {
  std::string command;
  wire::Bytes payload;
  std::optional<wire::Message> message;  // nullopt when the payload did not decode
  bool consumed = false;                 // already returned by expect<T>()
};

// How the node's side of the connection ended, as the fake peer saw it.
enum class CloseKind { open, eof, reset, error };

class FakePeer {
 public:
  using tcp = boost::asio::ip::tcp;
  using Millis = std::chrono::milliseconds;

  explicit FakePeer(const wire::Magic& magic) : magic_(magic), decoder_(magic, decoder_options()) {}
  ~FakePeer() {
    close();
    close_fd(listen_fd_);
  }
  FakePeer(const FakePeer&) = delete;
  FakePeer& operator=(const FakePeer&) = delete;

  // ---- connection setup ------------------------------------------------------------------

  // Listens on 127.0.0.1:<ephemeral> for a node that dials us; returns the endpoint to dial.
  tcp::endpoint listen() { return listen({boost::asio::ip::make_address_v4("127.0.0.1"), 0}); }

  // Listens on `at` (port 0: ephemeral), e.g. a mesh node's own 127.0.0.x and port.
  tcp::endpoint listen(const tcp::endpoint& at) {
    close_fd(listen_fd_);
    listen_fd_ = ::socket(at.protocol().family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw_errno("socket");
    const int on = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(listen_fd_, at.data(), static_cast<socklen_t>(at.size())) != 0) {
      throw_errno("bind");
    }
    if (::listen(listen_fd_, 16) != 0) throw_errno("listen");
    tcp::endpoint bound = at;
    socklen_t len = static_cast<socklen_t>(bound.capacity());
    ::getsockname(listen_fd_, bound.data(), &len);
    bound.resize(len);
    return bound;
  }

  // Takes the next connection from listen()'s socket (closing any current one). A zero
  // timeout only looks: false when no connection is already waiting.
  bool accept(Millis timeout = kFakePeerWait) {
    if (listen_fd_ < 0) throw std::logic_error("FakePeer::accept before listen");
    close();
    if (!wait_for(listen_fd_, POLLIN, deadline_after(timeout))) return false;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return false;
    adopt(fd);
    return true;
  }

  // Dials the node (closing any current connection), from `from` when given (so the node
  // sees that address, as a mesh node's dials carry its own 127.0.0.x).
  bool connect(const tcp::endpoint& remote, Millis timeout = kFakePeerWait,
               std::optional<boost::asio::ip::address> from = std::nullopt) {
    close();
    const int fd =
        ::socket(remote.protocol().family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return false;
    if (from) {
      const tcp::endpoint local(*from, 0);
      if (::bind(fd, local.data(), static_cast<socklen_t>(local.size())) != 0) {
        ::close(fd);
        return false;
      }
    }
    if (::connect(fd, remote.data(), static_cast<socklen_t>(remote.size())) != 0) {
      if (errno != EINPROGRESS || !wait_for(fd, POLLOUT, deadline_after(timeout))) {
        ::close(fd);
        return false;
      }
      int error = 0;
      socklen_t len = sizeof error;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) {
        ::close(fd);
        return false;
      }
    }
    adopt(fd);
    return true;
  }

  bool connected() const noexcept { return fd_ >= 0; }

  // ---- sending ---------------------------------------------------------------------------

  // A correct frame around `message`, unless `overrides` damage it.
  bool send(const wire::Message& message, const FrameOverrides& overrides = {}) {
    const wire::Bytes payload = wire::encode_payload(message);
    return send_frame(wire::command_of(message), payload, overrides);
  }

  bool send_frame(std::string_view command, wire::ByteSpan payload,
                  const FrameOverrides& overrides = {}) {
    return send_raw(frame_bytes(command, payload, overrides));
  }

  // Header + payload, built field by field so that any field can be wrong on purpose.
  wire::Bytes frame_bytes(std::string_view command, wire::ByteSpan payload,
                          const FrameOverrides& overrides = {}) const {
    return build_frame(magic_, command, payload, overrides);
  }

  // False once the connection is gone (the node closed or reset it).
  bool send_raw(wire::ByteSpan bytes) {
    if (fd_ < 0) return false;
    while (!bytes.empty()) {
      // MSG_NOSIGNAL: a node that already closed must fail the send, not kill the test.
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Sends one byte, then waits `per_byte_delay` (reading whatever the node sends meanwhile),
  // and so on. Stops early when the node closes; returns how many bytes went out.
  std::size_t send_slowly(wire::ByteSpan bytes, Millis per_byte_delay) {
    std::size_t sent = 0;
    for (const std::uint8_t byte : bytes) {
      if (!send_raw(wire::ByteSpan(&byte, 1))) return sent;
      ++sent;
      // Waiting on the socket, not sleeping: a close by the node ends the trickle at once.
      const auto until = deadline_after(per_byte_delay);
      while (Clock::now() < until) {
        if (read_some(until) == ReadStatus::closed) return sent;
      }
    }
    return sent;
  }

  // ---- receiving -------------------------------------------------------------------------

  // Reads until a frame of type T that no earlier expect returned has arrived, and returns it
  // (marked consumed). Frames of other types stay in received() for later expects and checks.
  // nullopt when the wait ends or the connection closes first.
  template <class T>
  std::optional<T> expect(Millis timeout = kFakePeerWait) {
    const auto until = deadline_after(timeout);
    for (;;) {
      for (auto& frame : received_) {
        if (!frame.consumed && frame.message && std::holds_alternative<T>(*frame.message)) {
          frame.consumed = true;
          return std::get<T>(*frame.message);
        }
      }
      if (read_some(until) != ReadStatus::data) return std::nullopt;
    }
  }

  // Reads (and logs) until the node closes the connection: true on EOF or reset.
  bool expect_closed(Millis timeout = kFakePeerWait) {
    const auto until = deadline_after(timeout);
    for (;;) {
      const ReadStatus status = read_some(until);
      if (status == ReadStatus::closed) return close_kind_ != CloseKind::open;
      if (status == ReadStatus::timeout) return false;
    }
  }

  // ---- ending ----------------------------------------------------------------------------

  // Abortive close: SO_LINGER {1, 0} makes close() send RST instead of FIN.
  void reset_abruptly() {
    if (fd_ < 0) return;
    const linger abort{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    close();
  }

  // Orderly close: FIN, then read until the node closes too, so that no unread data turns
  // our close into a RST (the node then sees a clean EOF).
  bool close_gracefully(Millis timeout = kFakePeerWait) {
    if (fd_ < 0) return false;
    ::shutdown(fd_, SHUT_WR);
    const bool answer = auto_pong;
    auto_pong = false;  // nothing may be written after our FIN
    const bool closed = expect_closed(timeout);
    auto_pong = answer;
    close();
    return closed;
  }

  // Closes at once (RST if the node's data is still unread here).
  void close() { close_fd(fd_); }

  // ---- handshake -------------------------------------------------------------------------

  // The version/verack exchange as SV Node does it (bsv-protocol.md §4.1).
  // as_outbound (we dialled): our version first; on the node's version and verack, our verack
  // then protoconf. Otherwise (we accepted, SV's "shy" inbound side): wait for the node's
  // version, answer version, verack, protoconf, then wait for the node's verack.
  bool handshake(bool as_outbound, Millis timeout = kFakePeerWait) {
    const auto until = deadline_after(timeout);
    if (as_outbound) {
      if (!send(version)) return false;
      node_version_ = expect<wire::Version>(left(until));
      if (!node_version_ || !expect<wire::Verack>(left(until))) return false;
      return send(wire::Verack{}) && (!send_protoconf || send(protoconf));
    }
    node_version_ = expect<wire::Version>(left(until));
    if (!node_version_) return false;
    if (!send(version) || !send(wire::Verack{}) || (send_protoconf && !send(protoconf))) {
      return false;
    }
    return expect<wire::Verack>(left(until)).has_value();
  }

  // ---- what happened ---------------------------------------------------------------------

  const std::vector<ReceivedFrame>& received() const noexcept { return received_; }
  std::vector<std::string> received_commands() const {
    std::vector<std::string> commands;
    for (const auto& frame : received_)
      commands.push_back(frame.command);
    return commands;
  }
  template <class T>
  std::vector<T> received_of() const {
    std::vector<T> out;
    for (const auto& frame : received_) {
      if (frame.message && std::holds_alternative<T>(*frame.message)) {
        out.push_back(std::get<T>(*frame.message));
      }
    }
    return out;
  }
  std::size_t bytes_received() const noexcept { return bytes_received_; }
  // Frames the node sent that our decoder refused (bad checksum, bad command, oversize,
  // undecodable payload): a well-behaved node sends none.
  std::size_t bad_frames() const noexcept { return bad_frames_; }
  CloseKind close_kind() const noexcept { return close_kind_; }
  // The node's version, once handshake() has seen it.
  const std::optional<wire::Version>& node_version() const noexcept { return node_version_; }

  // ---- script knobs ----------------------------------------------------------------------

  // Answer every ping from the node at once, as SV does; off to play a peer that never does.
  bool auto_pong = true;
  // What handshake() sends: an SV Node 1.2.2-like version and protoconf.
  wire::Version version = sv_like_version();
  bool send_protoconf = true;
  wire::Protoconf protoconf{2, 2'097'152, "BlockPriority,Default"};

  static wire::Version sv_like_version() {
    wire::Version v;
    v.version = net::kProtocolVersion;
    v.services = net::kNodeNetwork | net::kNodeBitcoinCash;
    v.timestamp = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    v.addr_from.services = v.services;
    std::mt19937_64 rng{std::random_device{}()};
    do {
      v.nonce = rng();
    } while (v.nonce == 0);
    v.user_agent = "/Bitcoin SV:1.2.2/";
    v.start_height = 900'000;
    v.relay = true;
    return v;
  }

 private:
  using Clock = std::chrono::steady_clock;
  enum class ReadStatus { data, timeout, closed };

  static wire::FrameDecoderOptions decoder_options() {
    wire::FrameDecoderOptions options;
    options.stream_threshold = 0;  // the node sends us nothing block-sized
    return options;
  }

  static Clock::time_point deadline_after(Millis timeout) { return Clock::now() + timeout; }
  static Millis left(Clock::time_point until) {
    return std::max(Millis{0}, std::chrono::ceil<Millis>(until - Clock::now()));
  }

  [[noreturn]] static void throw_errno(const char* what) {
    throw std::runtime_error(std::string("FakePeer: ") + what + ": " + std::strerror(errno));
  }

  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  // Polls at least once, even when the deadline has passed. True when `events` (or an error
  // or hang-up, which the next operation reports) are ready.
  static bool wait_for(int fd, short events, Clock::time_point until) {
    for (;;) {
      pollfd p{fd, events, 0};
      const int rc = ::poll(&p, 1, static_cast<int>(left(until).count()));
      if (rc > 0) return true;
      if (rc < 0 && errno == EINTR) continue;
      return false;
    }
  }

  // A fresh connection: blocking socket (sends are bounded by SO_SNDTIMEO), Nagle off so a
  // trickle leaves byte by byte, and a fresh decoder and log.
  void adopt(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    timeval send_bound{};
    send_bound.tv_sec = std::chrono::duration_cast<std::chrono::seconds>(kFakePeerWait).count();
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_bound, sizeof send_bound);
    fd_ = fd;
    decoder_ = wire::FrameDecoder(magic_, decoder_options());
    received_.clear();
    bytes_received_ = 0;
    bad_frames_ = 0;
    close_kind_ = CloseKind::open;
    node_version_.reset();
  }

  // One recv() (after waiting until `until` for data) fed through the decoder.
  ReadStatus read_some(Clock::time_point until) {
    if (fd_ < 0 || close_kind_ != CloseKind::open) return ReadStatus::closed;
    if (!wait_for(fd_, POLLIN, until)) return ReadStatus::timeout;
    const ssize_t n = ::recv(fd_, buffer_.data(), buffer_.size(), 0);
    if (n == 0) {
      close_kind_ = CloseKind::eof;
      return ReadStatus::closed;
    }
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) return ReadStatus::data;
      close_kind_ = errno == ECONNRESET ? CloseKind::reset : CloseKind::error;
      return ReadStatus::closed;
    }
    bytes_received_ += static_cast<std::size_t>(n);
    decode(wire::ByteSpan(buffer_.data(), static_cast<std::size_t>(n)));
    return ReadStatus::data;
  }

  void decode(wire::ByteSpan input) {
    using Kind = wire::FrameDecoder::Kind;
    for (;;) {
      const auto outcome = decoder_.next(input);
      switch (outcome.kind) {
        case Kind::need_more:
          return;
        case Kind::frame:
          on_frame();
          break;
        case Kind::fatal:
          // The decoder stays failed: count it once and stop decoding this connection.
          ++bad_frames_;
          return;
        default:  // dropped frames; streaming is off
          ++bad_frames_;
          break;
      }
    }
  }

  void on_frame() {
    ReceivedFrame frame;
    frame.command = decoder_.header().command;
    frame.payload = decoder_.payload();
    if (auto message = wire::decode_payload(frame.command, frame.payload)) {
      frame.message = std::move(*message);
    } else {
      ++bad_frames_;
    }
    if (auto_pong && frame.message) {
      if (const auto* ping = std::get_if<wire::Ping>(&*frame.message); ping && ping->nonce) {
        send(wire::Pong{*ping->nonce});
      }
    }
    received_.push_back(std::move(frame));
  }

  wire::Magic magic_;
  int fd_ = -1;
  int listen_fd_ = -1;
  wire::FrameDecoder decoder_;
  std::vector<std::uint8_t> buffer_ = std::vector<std::uint8_t>(64 * 1024);
  std::vector<ReceivedFrame> received_;
  std::size_t bytes_received_ = 0;
  std::size_t bad_frames_ = 0;
  CloseKind close_kind_ = CloseKind::open;
  std::optional<wire::Version> node_version_;
};

// Names, not numbers, in failure messages.
inline std::string name(std::optional<conn::DisconnectReason> reason) {
  return reason ? std::string(conn::to_string(*reason)) : "(none)";
}
inline std::string name(conn::PeerState state) {
  return std::string(conn::to_string(state));
}

inline const wire::Magic& regtest_magic() {
  return net::network_params(net::NetworkId::regtest).magic;
}

}  // namespace bsvpeer::test
