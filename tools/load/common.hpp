#pragma once
// What every part of bsvpeer-load shares: names, options, the codec helpers, failure counting
// and the per-connection state with its watchdog.
#include <bsvpeer/net/network.hpp>
#include <bsvpeer/wire/frame.hpp>
#include <bsvpeer/wire/frame_decoder.hpp>
#include <bsvpeer/wire/message.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bsvpeer::load {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using json = nlohmann::ordered_json;  // keys in the order written: readable lines

inline constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
inline constexpr std::int32_t kOurProtocolVersion = 70016;
inline constexpr std::size_t kHandshakeReadBuffer = 4 * 1024;  // small: thousands are held at once
inline constexpr std::size_t kPingReadBuffer = 64 * 1024;
inline constexpr std::size_t kServeReadBuffer = 16 * 1024;
inline constexpr unsigned kDefaultLoopbackSources = 16;

// ---- options ---------------------------------------------------------------------------------

enum class Mode { handshake, ping, ingest, serve, storm };
enum class CloseStyle { rst, fin };

struct Options {
  Mode mode = Mode::handshake;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the network's default port
  std::string network = "regtest";
  std::optional<wire::Magic> magic;  // overrides the network's magic
  std::uint64_t connections = 1000;
  std::uint64_t concurrency = 1;
  bool hold = false;
  double hold_seconds = 0;
  CloseStyle close = CloseStyle::rst;
  std::optional<unsigned> sources;  // nullopt: kDefaultLoopbackSources on 127/8 targets, else 0
  std::chrono::milliseconds settle{1000};
  double ping_every_s = 0;           // handshake --hold: each held connection pings this often
  int target_pid = 0;                // handshake: sample this process's CPU (/proc) ...
  std::uint64_t progress_every = 0;  // ... every this many completed handshakes  // storm: wait
                                     // after the last handshake for closes
  std::uint64_t pings = 100'000;
  std::uint64_t pipeline = 1;
  std::uint64_t warmup = 1000;
  std::uint64_t messages = 32;              // ingest: frames to send
  std::uint64_t message_bytes = 2'097'152;  // ingest: payload of each (the default receive limit)
  std::chrono::milliseconds timeout{10'000};
  double duration_s = 600;  // client: whole-run bound; serve: 0 = until SIGINT/SIGTERM
  unsigned threads = 1;     // serve only; the client is single-threaded
  std::chrono::seconds idle_timeout{600};
  std::string user_agent = "/bsvpeer-load:0.1/";
  bool json = false;
};

// Parses the command line; on a usage problem (or --help) prints it, sets exit_code and
// returns nullopt.
std::optional<Options> parse_options(int argc, char** argv, int& exit_code);

// ---- codec helpers ---------------------------------------------------------------------------

// Encodes messages into frames with one reused payload buffer.
class FrameWriter {
 public:
  explicit FrameWriter(const wire::Magic& magic) : magic_(magic) {}

  template <class M>
  void append(wire::Bytes& out, const M& message) {
    payload_.clear();
    wire::ByteWriter w(payload_);
    message.encode(w);
    auto appended = wire::append_frame(out, magic_, M::kCommand, payload_);
    // Only oversized payloads fail, and ours are below 200 bytes: a failure is a codec bug.
    if (!appended) {
      throw std::logic_error("append_frame(" + std::string(M::kCommand) +
                             "): " + appended.error().message());
    }
  }

 private:
  wire::Magic magic_;
  wire::Bytes payload_;
};

wire::NetAddress net_address_of(const tcp::endpoint& ep);
wire::Version make_version(const std::string& user_agent, const tcp::endpoint& peer,
                           std::uint64_t nonce);
std::string error_text(wire::Error e);
std::string with_ec(const std::string& what, const boost::system::error_code& ec);

// ---- failures --------------------------------------------------------------------------------

enum class Failure : std::size_t {
  connect_refused,
  connect_timeout,
  connect_error,        // anything else before the TCP connection existed (EADDRNOTAVAIL, ...)
  handshake_timeout,    // connected, but no complete handshake within --timeout-ms
  closed_in_handshake,  // EOF or reset before the handshake completed
  protocol_error,       // a frame or payload we could not accept
  peer_reject,          // the peer sent reject
  held_closed,          // a held connection was closed by the peer
  ping_timeout,         // no pong within --timeout-ms
  closed_in_ping,       // EOF or reset during the ping run
  close_timeout,        // --close fin: the peer did not close within --timeout-ms
  aborted,              // --duration elapsed or a signal arrived first
  count_,
};

inline constexpr std::array<const char*, static_cast<std::size_t>(Failure::count_)> kFailureNames =
    {"connect_refused",     "connect_timeout", "connect_error", "handshake_timeout",
     "closed_in_handshake", "protocol_error",  "peer_reject",   "held_closed",
     "ping_timeout",        "closed_in_ping",  "close_timeout", "aborted"};

struct Problem {
  Failure kind;
  std::string detail;
};

class Failures {
 public:
  void add(Failure kind, std::string detail) {
    const auto i = static_cast<std::size_t>(kind);
    if (counts_[i]++ == 0) first_detail_[i] = std::move(detail);
  }
  std::uint64_t total() const {
    std::uint64_t t = 0;
    for (auto c : counts_)
      t += c;
    return t;
  }
  json counts_json() const {
    json j = json::object();
    for (std::size_t i = 0; i < counts_.size(); ++i)
      j[kFailureNames[i]] = counts_[i];
    return j;
  }
  // The first occurrence of each kind that happened: enough to tell what went wrong.
  json samples_json() const {
    json j = json::object();
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      if (counts_[i] > 0) j[kFailureNames[i]] = first_detail_[i];
    }
    return j;
  }

 private:
  std::array<std::uint64_t, static_cast<std::size_t>(Failure::count_)> counts_{};
  std::array<std::string, static_cast<std::size_t>(Failure::count_)> first_detail_;
};

// ---- connections -----------------------------------------------------------------------------

struct Connection {
  Connection(const asio::any_io_executor& executor, const wire::Magic& magic,
             std::size_t read_buffer_size)
      : socket(executor), watchdog(executor), decoder(magic), read_buffer(read_buffer_size) {}
  Connection(tcp::socket accepted, const wire::Magic& magic, std::size_t read_buffer_size)
      : socket(std::move(accepted)),
        watchdog(socket.get_executor()),
        decoder(magic),
        read_buffer(read_buffer_size) {}

  tcp::socket socket;
  asio::steady_timer watchdog;
  // The watchdog closes the socket once this passes; moving it later is just an assignment.
  Clock::time_point deadline;
  bool timed_out = false;
  bool aborted = false;   // closed by --duration or a signal
  bool finished = false;  // closed by us on purpose
  wire::FrameDecoder decoder;
  std::vector<std::uint8_t> read_buffer;
  wire::Bytes out;
  // send(): true while a write is in flight; `sending` holds its bytes so `out` can grow.
  bool writing = false;
  wire::Bytes sending;
  // --ping-every: the ping ticker's timer, cancelled by finish() so the ticker ends at once.
  std::unique_ptr<asio::steady_timer> ticker;
};

// One timer per connection instead of one per operation: operations just run, and whichever is
// pending when the deadline passes fails with operation_aborted.
asio::awaitable<void> watchdog(std::shared_ptr<Connection> c);
// Closes on purpose (rst: SO_LINGER{1,0}, no TIME_WAIT) and stops the watchdog.
void finish(Connection& c, CloseStyle style);
// Writes and clears c.out.
asio::awaitable<boost::system::error_code> flush(Connection& c);
// Like flush, for connections with more than one writer (a held connection answering pings
// and sending its own): when a write is in flight it only leaves c.out to that writer, which
// sends it next. Never two writes on the socket at once.
asio::awaitable<boost::system::error_code> send(Connection& c);

// Feeds one read's bytes to the decoder and hands each complete frame to on_frame, which returns
// a Problem to stop.
template <class OnFrame>
std::optional<Problem> decode_frames(wire::FrameDecoder& decoder, wire::ByteSpan input,
                                     OnFrame&& on_frame) {
  using Kind = wire::FrameDecoder::Kind;
  for (;;) {
    const auto outcome = decoder.next(input);
    switch (outcome.kind) {
      case Kind::need_more:
        return std::nullopt;
      case Kind::frame:
        if (auto problem = on_frame(std::string_view(decoder.header().command),
                                    wire::ByteSpan(decoder.payload()))) {
          return problem;
        }
        break;
      case Kind::drop:
        return Problem{Failure::protocol_error, "dropped frame '" + decoder.header().command +
                                                    "': " + error_text(outcome.error)};
      case Kind::fatal:
        return Problem{Failure::protocol_error, "fatal frame error ('" + decoder.header().command +
                                                    "'): " + error_text(outcome.error)};
      default:
        return Problem{Failure::protocol_error,
                       "unexpected streamed payload '" + decoder.header().command + "'"};
    }
  }
}

}  // namespace bsvpeer::load
