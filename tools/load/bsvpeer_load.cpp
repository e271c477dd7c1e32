// bsvpeer-load: a load generator that speaks the BSV P2P protocol to any host:port and magic, so
// the same bench runs against bsvpeer and against other nodes; and (--serve) a trivial responder
// that answers version with version+verack and ping with pong, with the same codec but none of
// the connection actor's machinery. benches/bench_connections.sh measures both in one run, so
// each figure for bsvpeer stands beside a floor measured on the same machine at the same time.
//
// Modes:
//   handshake  open --connections N, --concurrency C handshakes at a time; latency is from the
//              start of connect() to the handshake being complete on our side (peer's version
//              and verack received, our verack written). --hold keeps every connection open
//              until all N are done (then --hold-seconds more), answering the peer's pings.
//   ping       one connection: handshake, then --pipeline D pings in flight until --pings
//              pongs came back, each matched by its nonce.
//   serve      the baseline responder on --host:--port with --threads threads.
//
// Single-threaded client (one io_context, one thread, coroutines); every wait has a deadline
// (--timeout-ms per connect/handshake/pong, --duration for the whole run) and every failure is
// counted by kind with the first occurrence's text, never dropped.
#include <bsvpeer/net/network.hpp>
#include <bsvpeer/wire/frame.hpp>
#include <bsvpeer/wire/frame_decoder.hpp>
#include <bsvpeer/wire/message.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <memory>
#include <netinet/in.h>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <vector>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24  // Linux >= 4.2; older glibc headers lack the name
#endif

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using json = nlohmann::ordered_json;  // keys in the order written: readable lines
using namespace bsvpeer;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::int32_t kOurProtocolVersion = 70016;
constexpr std::size_t kHandshakeReadBuffer = 4 * 1024;  // small: thousands are held at once
constexpr std::size_t kPingReadBuffer = 64 * 1024;
constexpr std::size_t kServeReadBuffer = 16 * 1024;
constexpr unsigned kDefaultLoopbackSources = 16;

// ---- options ---------------------------------------------------------------------------------

enum class Mode { handshake, ping, ingest, serve };
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

constexpr const char* kHelp = R"(bsvpeer-load: BSV P2P load generator and baseline responder

usage: bsvpeer-load [--mode handshake|ping|ingest|serve] [options]   (--name=value or --name value)

target / network
  --host H              peer address or name (serve: address to listen on) [127.0.0.1]
  --port P              peer port (serve: listen port) [the network's default port]
  --network NAME        main|test|stn|regtest: magic and default port [regtest]
  --magic HEX8          network magic, 8 hex digits in wire order (e.g. dab5bffa)
  --user-agent UA       our user agent; must not contain abc, cash or bch [/bsvpeer-load:0.1/]
handshake mode
  --connections N       handshakes to perform [1000]
  --concurrency C       handshakes in progress at once [1]
  --hold                keep connections open until all N are done, answering pings
  --hold-seconds S      then keep them open S seconds more [0]
  --close rst|fin       rst: SO_LINGER{1,0} (no TIME_WAIT); fin: shutdown and wait for the
                        peer's close (bounded by --timeout-ms) [rst]
  --sources K           spread client sockets over 127.0.0.2..127.0.0.(K+1) so 4-tuples do not
                        run out when churning connections; 0 = kernel's choice
                        [16 for 127.x targets, else 0]
ping mode
  --pings N             measured round trips [100000]
  --pipeline D          pings in flight [1]
  --warmup N            round trips before measuring [1000]
ingest mode: after the handshake, N unknown-command frames of S payload bytes, then a ping;
  the time to its pong (which proves the peer consumed everything before it) gives MiB/s
  --messages N          frames to send [32]
  --message-bytes S     payload bytes of each [2097152]
serve mode (--serve is short for --mode serve)
  --threads T           io_context threads [1]
  --idle-timeout-s S    close a connection silent this long [600]
bounds and output
  --timeout-ms T        bound on each connect, each handshake and each pong [10000]
  --duration S          bound on the whole run in seconds (serve: 0 = until a signal) [600]
  --json                one JSON object on stdout instead of text

Exit status: 0 when every attempt succeeded, 1 when any failed (the report says how), 2 on
usage errors.
)";

template <class T>
bool parse_number(std::string_view text, T& out) {
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && ptr == end;
}

// Parses the command line; on a usage problem prints it and sets exit_code.
std::optional<Options> parse_options(int argc, char** argv, int& exit_code) {
  Options o;
  std::optional<double> duration;
  std::vector<std::string_view> args(argv + 1, argv + argc);
  auto fail = [&](const std::string& text) -> std::optional<Options> {
    std::cerr << "bsvpeer-load: " << text << "\n(try --help)\n";
    exit_code = 2;
    return std::nullopt;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (!arg.starts_with("--")) return fail("unexpected argument '" + std::string(arg) + "'");
    arg.remove_prefix(2);
    std::string_view name = arg;
    std::optional<std::string_view> inline_value;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    if (name == "help") {
      std::cout << kHelp;
      exit_code = 0;
      return std::nullopt;
    }
    if (name == "hold" || name == "json" || name == "serve") {
      if (inline_value) return fail("--" + std::string(name) + " takes no value");
      if (name == "hold") o.hold = true;
      if (name == "json") o.json = true;
      if (name == "serve") o.mode = Mode::serve;
      continue;
    }
    std::string_view value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return fail("--" + std::string(name) + " needs a value");
    }
    const auto bad = [&] {
      return fail("bad value for --" + std::string(name) + ": '" + std::string(value) + "'");
    };
    if (name == "mode") {
      if (value == "handshake") {
        o.mode = Mode::handshake;
      } else if (value == "ping") {
        o.mode = Mode::ping;
      } else if (value == "ingest") {
        o.mode = Mode::ingest;
      } else if (value == "serve") {
        o.mode = Mode::serve;
      } else {
        return bad();
      }
    } else if (name == "host") {
      o.host = value;
    } else if (name == "port") {
      if (!parse_number(value, o.port) || o.port == 0) return bad();
    } else if (name == "network") {
      if (!net::parse_network(value)) return bad();
      o.network = value;
    } else if (name == "magic") {
      o.magic = wire::parse_magic(value);
      if (!o.magic) return bad();
    } else if (name == "user-agent") {
      o.user_agent = value;
    } else if (name == "connections") {
      if (!parse_number(value, o.connections) || o.connections == 0) return bad();
    } else if (name == "concurrency") {
      if (!parse_number(value, o.concurrency) || o.concurrency == 0) return bad();
    } else if (name == "hold-seconds") {
      if (!parse_number(value, o.hold_seconds) || o.hold_seconds < 0) return bad();
    } else if (name == "close") {
      if (value == "rst") {
        o.close = CloseStyle::rst;
      } else if (value == "fin") {
        o.close = CloseStyle::fin;
      } else {
        return bad();
      }
    } else if (name == "sources") {
      unsigned k = 0;
      if (!parse_number(value, k) || k > 250) return bad();
      o.sources = k;
    } else if (name == "pings") {
      if (!parse_number(value, o.pings) || o.pings == 0 || o.pings > 100'000'000) return bad();
    } else if (name == "pipeline") {
      if (!parse_number(value, o.pipeline) || o.pipeline == 0 || o.pipeline > 1'000'000) {
        return bad();
      }
    } else if (name == "messages") {
      if (!parse_number(value, o.messages) || o.messages == 0 || o.messages > 1'000'000) {
        return bad();
      }
    } else if (name == "message-bytes") {
      if (!parse_number(value, o.message_bytes) || o.message_bytes > (256u << 20)) {
        return bad();
      }
    } else if (name == "warmup") {
      if (!parse_number(value, o.warmup)) return bad();
    } else if (name == "timeout-ms") {
      std::int64_t ms = 0;
      if (!parse_number(value, ms) || ms <= 0) return bad();
      o.timeout = std::chrono::milliseconds(ms);
    } else if (name == "duration") {
      double s = 0;
      if (!parse_number(value, s) || s < 0) return bad();
      duration = s;
    } else if (name == "threads") {
      if (!parse_number(value, o.threads) || o.threads == 0 || o.threads > 64) return bad();
    } else if (name == "idle-timeout-s") {
      std::int64_t s = 0;
      if (!parse_number(value, s) || s <= 0) return bad();
      o.idle_timeout = std::chrono::seconds(s);
    } else {
      return fail("unknown option --" + std::string(name));
    }
  }
  if (duration) {
    o.duration_s = *duration;
  } else if (o.mode == Mode::serve) {
    o.duration_s = 0;
  }
  if (o.mode != Mode::serve && o.duration_s == 0) return fail("--duration must be positive");
  // A user agent the node bans would measure the ban path, not the handshake.
  std::string lower = o.user_agent;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  for (const char* banned : {"abc", "cash", "bch"}) {
    if (lower.find(banned) != std::string::npos) {
      return fail("--user-agent contains '" + std::string(banned) + "', which BSV nodes ban");
    }
  }
  if (o.user_agent.size() > wire::kMaxUserAgentLength) return fail("--user-agent too long");
  return o;
}

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

wire::NetAddress net_address_of(const tcp::endpoint& ep) {
  wire::NetAddress a;
  a.port = ep.port();
  if (ep.address().is_v4()) {
    const auto b = ep.address().to_v4().to_bytes();
    return wire::NetAddress::ipv4(b[0], b[1], b[2], b[3], ep.port());
  }
  const auto b = ep.address().to_v6().to_bytes();
  std::copy(b.begin(), b.end(), a.ip.begin());
  return a;
}

wire::Version make_version(const std::string& user_agent, const tcp::endpoint& peer,
                           std::uint64_t nonce) {
  wire::Version v;
  v.version = kOurProtocolVersion;
  v.services = 0;
  v.timestamp = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  v.addr_recv = net_address_of(peer);
  v.nonce = nonce;
  v.user_agent = user_agent;
  v.start_height = 0;
  v.relay = true;
  return v;
}

std::string error_text(wire::Error e) {
  return wire::make_error_code(e).message();
}

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

constexpr std::array<const char*, static_cast<std::size_t>(Failure::count_)> kFailureNames = {
    "connect_refused",     "connect_timeout", "connect_error", "handshake_timeout",
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
};

// One timer per connection instead of one per operation: operations just run, and whichever is
// pending when the deadline passes fails with operation_aborted.
asio::awaitable<void> watchdog(std::shared_ptr<Connection> c) {
  while (!c->finished) {
    c->watchdog.expires_at(c->deadline);
    co_await c->watchdog.async_wait(kUseTuple);
    if (c->finished) co_return;
    if (Clock::now() >= c->deadline) {
      c->timed_out = true;
      boost::system::error_code ignored;
      c->socket.close(ignored);
      co_return;
    }
  }
}

void finish(Connection& c, CloseStyle style) {
  c.finished = true;
  c.watchdog.cancel();
  boost::system::error_code ignored;
  if (style == CloseStyle::rst && c.socket.is_open()) {
    c.socket.set_option(asio::socket_base::linger(true, 0), ignored);
  }
  c.socket.close(ignored);
}

asio::awaitable<boost::system::error_code> flush(Connection& c) {
  if (c.out.empty()) co_return boost::system::error_code{};
  auto [ec, n] = co_await asio::async_write(c.socket, asio::buffer(c.out), kUseTuple);
  c.out.clear();
  co_return ec;
}

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

// ---- client ----------------------------------------------------------------------------------

struct PeerInfo {
  std::int32_t version = 0;
  std::string user_agent;
  std::uint64_t services = 0;
};

// What one client connection has seen of the peer.
struct ClientState {
  bool got_version = false;
  bool got_verack = false;
  bool sent_verack = false;
  PeerInfo peer;
  bool complete() const { return got_version && got_verack && sent_verack; }
};

struct Run {
  Run(asio::io_context& io, Options o, tcp::endpoint t, wire::Magic m)
      : ioc(io),
        options(std::move(o)),
        target(t),
        magic(m),
        writer(m),
        all_done(io),
        hold_timer(io),
        run_deadline_timer(io),
        signals(io, SIGINT, SIGTERM) {}

  asio::io_context& ioc;
  Options options;
  tcp::endpoint target;
  wire::Magic magic;
  std::vector<asio::ip::address_v4> sources;
  FrameWriter writer;
  std::mt19937_64 random{std::random_device{}()};

  Clock::time_point started;
  Clock::time_point run_deadline;
  Clock::time_point attempts_done_at;
  bool stopping = false;
  std::string stop_reason;

  // handshake mode
  std::uint64_t next_index = 0;
  std::uint64_t workers_running = 0;
  std::vector<double> latencies_us;
  std::vector<std::weak_ptr<Connection>> connections;  // for aborting them all
  std::vector<std::shared_ptr<Connection>> held;
  std::uint64_t held_open = 0;
  std::optional<std::uint64_t> held_at_end;
  PeerInfo first_peer;
  bool have_peer = false;
  std::uint64_t peer_pings_answered = 0;

  // ping mode
  std::vector<double> rtts_us;
  std::uint64_t ping_completed = 0;
  std::uint64_t unmatched_pongs = 0;
  double ping_elapsed_s = 0;
  std::optional<double> ping_handshake_us;

  // ingest mode
  double ingest_elapsed_s = 0;
  bool ingest_done = false;

  Failures failures;
  asio::steady_timer all_done;  // cancelled to wake the driver
  asio::steady_timer hold_timer;
  asio::steady_timer run_deadline_timer;
  asio::signal_set signals;

  std::shared_ptr<Connection> new_connection(std::size_t read_buffer_size) {
    auto c = std::make_shared<Connection>(ioc.get_executor(), magic, read_buffer_size);
    c->deadline = Clock::now() + options.timeout;
    connections.push_back(c);
    asio::co_spawn(ioc, watchdog(c), asio::detached);
    return c;
  }

  void stop(std::string reason) {
    if (stopping) return;
    stopping = true;
    stop_reason = std::move(reason);
    for (auto& weak : connections) {
      if (auto c = weak.lock(); c && !c->finished) {
        c->aborted = true;
        boost::system::error_code ignored;
        c->socket.close(ignored);
      }
    }
    all_done.cancel();
    hold_timer.cancel();
  }
};

std::string with_ec(const std::string& what, const boost::system::error_code& ec) {
  return what + ": " + ec.message();
}

// Why a read or write on a client connection failed, given what we were doing.
Problem io_problem(const Connection& c, const boost::system::error_code& ec, Failure on_close,
                   Failure on_timeout, const std::string& doing) {
  if (c.aborted) return {Failure::aborted, doing + ": run stopped"};
  if (c.timed_out) return {on_timeout, doing + ": no answer within the timeout"};
  return {on_close, with_ec(doing, ec)};
}

// Messages every client connection handles the same way: version, verack, the peer's pings,
// reject. Others (protoconf, sendheaders, ...) need no answer from a peer that serves nothing.
std::optional<Problem> on_client_frame(Run& run, Connection& c, ClientState& s,
                                       std::string_view command, wire::ByteSpan payload) {
  if (command == wire::Ping::kCommand) {
    auto ping = wire::Ping::decode(payload);
    if (!ping) return Problem{Failure::protocol_error, "bad ping: " + ping.error().message()};
    // BIP31: a ping with a nonce wants a pong; our version is 70016, so the peer sends one.
    if (ping->nonce) {
      run.writer.append(c.out, wire::Pong{*ping->nonce});
      ++run.peer_pings_answered;
    }
    return std::nullopt;
  }
  if (command == wire::Version::kCommand) {
    if (s.got_version) return Problem{Failure::protocol_error, "second version"};
    auto version = wire::Version::decode(payload);
    if (!version) {
      return Problem{Failure::protocol_error, "bad version: " + version.error().message()};
    }
    s.got_version = true;
    s.peer = {version->version, version->user_agent, version->services};
    run.writer.append(c.out, wire::Verack{});
    s.sent_verack = true;  // queued; the caller writes it before calling the handshake done
    return std::nullopt;
  }
  if (command == wire::Verack::kCommand) {
    if (s.got_verack) return Problem{Failure::protocol_error, "second verack"};
    if (!s.got_version) return Problem{Failure::protocol_error, "verack before version"};
    s.got_verack = true;
    return std::nullopt;
  }
  if (command == wire::Reject::kCommand) {
    auto reject = wire::Reject::decode(payload);
    if (!reject) return Problem{Failure::peer_reject, "undecodable reject"};
    return Problem{Failure::peer_reject, "reject of '" + reject->message + "' code " +
                                             std::to_string(reject->code) + ": " + reject->reason};
  }
  return std::nullopt;
}

void bind_source(Run& run, Connection& c, std::uint64_t index, boost::system::error_code& ec) {
  c.socket.open(run.target.protocol(), ec);
  if (ec || run.sources.empty()) return;
  // Without this, bind() picks the port before the destination is known, so each source address
  // would still be limited to one connection per ephemeral port across all destinations.
  const int one = 1;
  ::setsockopt(c.socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  c.socket.bind(tcp::endpoint(run.sources[index % run.sources.size()], 0), ec);
}

// Connects and completes the handshake. Returns the latency from the start of connect() to the
// handshake being complete on our side, or nullopt after counting the failure.
asio::awaitable<std::optional<Clock::duration>> handshake(Run& run, std::shared_ptr<Connection> c,
                                                          ClientState& s, std::uint64_t index) {
  const auto started = Clock::now();
  c->deadline = started + run.options.timeout;
  boost::system::error_code ec;
  bind_source(run, *c, index, ec);
  if (ec) {
    run.failures.add(Failure::connect_error, with_ec("socket/bind", ec));
    finish(*c, run.options.close);
    co_return std::nullopt;
  }
  std::tie(ec) = co_await c->socket.async_connect(run.target, kUseTuple);
  if (ec) {
    Failure kind = Failure::connect_error;
    if (c->aborted) {
      kind = Failure::aborted;
    } else if (c->timed_out) {
      kind = Failure::connect_timeout;
    } else if (ec == asio::error::connection_refused) {
      kind = Failure::connect_refused;
    }
    run.failures.add(kind, with_ec("connect", ec));
    finish(*c, run.options.close);
    co_return std::nullopt;
  }
  // Without TCP_NODELAY a small frame can wait ~40 ms for a delayed ACK.
  c->socket.set_option(tcp::no_delay(true), ec);
  run.writer.append(c->out, make_version(run.options.user_agent, run.target, run.random()));
  for (;;) {
    if (auto write_ec = co_await flush(*c)) {
      auto problem = io_problem(*c, write_ec, Failure::closed_in_handshake,
                                Failure::handshake_timeout, "write in handshake");
      run.failures.add(problem.kind, std::move(problem.detail));
      finish(*c, run.options.close);
      co_return std::nullopt;
    }
    if (s.complete()) co_return Clock::now() - started;
    auto [read_ec, n] = co_await c->socket.async_read_some(asio::buffer(c->read_buffer), kUseTuple);
    if (read_ec) {
      const std::string doing = std::string("read in handshake (version ") +
                                (s.got_version ? "received" : "not received") + ", verack " +
                                (s.got_verack ? "received" : "not received") + ")";
      auto problem =
          io_problem(*c, read_ec, Failure::closed_in_handshake, Failure::handshake_timeout, doing);
      run.failures.add(problem.kind, std::move(problem.detail));
      finish(*c, run.options.close);
      co_return std::nullopt;
    }
    auto problem = decode_frames(c->decoder, wire::ByteSpan(c->read_buffer.data(), n),
                                 [&](std::string_view command, wire::ByteSpan payload) {
                                   return on_client_frame(run, *c, s, command, payload);
                                 });
    if (problem) {
      run.failures.add(problem->kind, std::move(problem->detail));
      finish(*c, run.options.close);
      co_return std::nullopt;
    }
  }
}

// --close fin: half-close, then read (and discard) until the peer closes, bounded.
asio::awaitable<void> close_politely(Run& run, std::shared_ptr<Connection> c) {
  if (run.options.close == CloseStyle::rst) {
    finish(*c, CloseStyle::rst);
    co_return;
  }
  c->deadline = Clock::now() + run.options.timeout;
  boost::system::error_code ec;
  c->socket.shutdown(tcp::socket::shutdown_send, ec);
  for (;;) {
    auto [read_ec, n] = co_await c->socket.async_read_some(asio::buffer(c->read_buffer), kUseTuple);
    if (read_ec == asio::error::eof) break;
    if (read_ec) {
      if (c->timed_out) {
        run.failures.add(Failure::close_timeout, "peer did not close after our FIN");
      } else if (c->aborted) {
        run.failures.add(Failure::aborted, "closing: run stopped");
      }
      // A reset while closing is the peer's choice of close; nothing failed.
      break;
    }
  }
  finish(*c, CloseStyle::fin);
}

// A completed connection kept open: answer the peer's pings until we release it.
asio::awaitable<void> hold(Run& run, std::shared_ptr<Connection> c, ClientState s) {
  c->deadline = run.run_deadline;
  for (;;) {
    auto [ec, n] = co_await c->socket.async_read_some(asio::buffer(c->read_buffer), kUseTuple);
    if (c->finished) co_return;  // released
    std::optional<Problem> problem;
    if (ec) {
      problem = io_problem(*c, ec, Failure::held_closed, Failure::aborted, "held connection");
    } else {
      problem = decode_frames(c->decoder, wire::ByteSpan(c->read_buffer.data(), n),
                              [&](std::string_view command, wire::ByteSpan payload) {
                                return on_client_frame(run, *c, s, command, payload);
                              });
      if (!problem) {
        if (auto write_ec = co_await flush(*c)) {
          problem = io_problem(*c, write_ec, Failure::held_closed, Failure::aborted,
                               "held connection, writing");
        }
      }
    }
    if (problem) {
      run.failures.add(problem->kind, std::move(problem->detail));
      --run.held_open;
      finish(*c, run.options.close);
      co_return;
    }
  }
}

asio::awaitable<void> handshake_worker(Run& run) {
  while (!run.stopping && run.next_index < run.options.connections) {
    const std::uint64_t index = run.next_index++;
    auto c = run.new_connection(kHandshakeReadBuffer);
    ClientState s;
    auto latency = co_await handshake(run, c, s, index);
    if (!latency) continue;
    run.latencies_us.push_back(std::chrono::duration<double, std::micro>(*latency).count());
    if (!run.have_peer) {
      run.first_peer = s.peer;
      run.have_peer = true;
    }
    if (run.options.hold) {
      ++run.held_open;
      run.held.push_back(c);
      asio::co_spawn(run.ioc, hold(run, c, std::move(s)), asio::detached);
    } else {
      co_await close_politely(run, c);
    }
  }
}

// Waits on a timer used as an event: returns when it is cancelled or reaches `until`.
asio::awaitable<void> wait_until(asio::steady_timer& timer, Clock::time_point until) {
  timer.expires_at(until);
  co_await timer.async_wait(kUseTuple);
}

void stop_background(Run& run) {
  run.run_deadline_timer.cancel();
  boost::system::error_code ignored;
  run.signals.cancel(ignored);
}

asio::awaitable<void> run_handshakes(Run& run) {
  run.started = Clock::now();
  const auto workers = std::min(run.options.concurrency, run.options.connections);
  run.workers_running = workers;
  for (std::uint64_t i = 0; i < workers; ++i) {
    asio::co_spawn(
        run.ioc,
        [&run]() -> asio::awaitable<void> {
          co_await handshake_worker(run);
          if (--run.workers_running == 0) run.all_done.cancel();
        },
        asio::detached);
  }
  while (run.workers_running > 0 && Clock::now() < run.run_deadline)
    co_await wait_until(run.all_done, run.run_deadline);
  run.attempts_done_at = Clock::now();
  if (run.options.hold && !run.stopping) {
    // Marker for scripts that inspect the peer while everything is held open.
    std::cerr << json{{"event", "holding"},
                      {"connections", run.held_open},
                      {"seconds", run.options.hold_seconds}}
                     .dump()
              << std::endl;
    const auto hold_end =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(run.options.hold_seconds));
    if (run.options.hold_seconds > 0) co_await wait_until(run.hold_timer, hold_end);
    run.held_at_end = run.held_open;
  }
  for (auto& c : run.held) {
    if (!c->finished) finish(*c, CloseStyle::rst);
  }
  run.held.clear();
  stop_background(run);
}

asio::awaitable<void> run_pings(Run& run) {
  run.started = Clock::now();
  auto c = run.new_connection(kPingReadBuffer);
  ClientState s;
  const auto latency = co_await handshake(run, c, s, 0);
  if (!latency) {
    stop_background(run);
    co_return;
  }
  run.ping_handshake_us = std::chrono::duration<double, std::micro>(*latency).count();
  run.first_peer = s.peer;
  run.have_peer = true;

  const std::uint64_t total = run.options.warmup + run.options.pings;
  const std::uint64_t salt = run.random();
  std::unordered_map<std::uint64_t, std::pair<std::uint64_t, Clock::time_point>> in_flight;
  in_flight.reserve(run.options.pipeline * 2);
  run.rtts_us.reserve(run.options.pings);
  std::uint64_t next_seq = 0;
  std::uint64_t answered = 0;
  Clock::time_point measure_start = Clock::now();
  Clock::time_point last_pong = measure_start;

  // Keeps --pipeline pings in flight; one timestamp per batch, as they leave in one write.
  auto top_up = [&](Clock::time_point now) {
    while (in_flight.size() < run.options.pipeline && next_seq < total) {
      if (next_seq == run.options.warmup) measure_start = now;
      const std::uint64_t nonce = salt + next_seq;
      run.writer.append(c->out, wire::Ping{nonce});
      in_flight.emplace(nonce, std::make_pair(next_seq, now));
      ++next_seq;
    }
  };
  auto on_frame = [&](Clock::time_point now) {
    return [&, now](std::string_view command, wire::ByteSpan payload) -> std::optional<Problem> {
      if (command != wire::Pong::kCommand) return on_client_frame(run, *c, s, command, payload);
      auto pong = wire::Pong::decode(payload);
      if (!pong) return Problem{Failure::protocol_error, "bad pong: " + pong.error().message()};
      const auto it = in_flight.find(pong->nonce);
      if (it == in_flight.end()) {
        ++run.unmatched_pongs;
        return std::nullopt;
      }
      const auto [seq, sent_at] = it->second;
      in_flight.erase(it);
      ++answered;
      if (seq >= run.options.warmup) {
        run.rtts_us.push_back(std::chrono::duration<double, std::micro>(now - sent_at).count());
      }
      last_pong = now;
      return std::nullopt;
    };
  };

  std::optional<Problem> problem;
  top_up(Clock::now());
  c->deadline = Clock::now() + run.options.timeout;
  while (!problem && answered < total) {
    if (auto write_ec = co_await flush(*c)) {
      problem =
          io_problem(*c, write_ec, Failure::closed_in_ping, Failure::ping_timeout, "writing pings");
      break;
    }
    auto [ec, n] = co_await c->socket.async_read_some(asio::buffer(c->read_buffer), kUseTuple);
    const auto now = Clock::now();
    if (ec) {
      problem = io_problem(
          *c, ec, Failure::closed_in_ping, Failure::ping_timeout,
          "waiting for pong " + std::to_string(answered + 1) + " of " + std::to_string(total));
      break;
    }
    problem = decode_frames(c->decoder, wire::ByteSpan(c->read_buffer.data(), n), on_frame(now));
    top_up(now);
    c->deadline = now + run.options.timeout;
  }
  if (problem) run.failures.add(problem->kind, std::move(problem->detail));
  run.ping_completed = run.rtts_us.size();
  run.ping_elapsed_s = std::chrono::duration<double>(last_pong - measure_start).count();
  run.attempts_done_at = Clock::now();
  finish(*c, CloseStyle::rst);
  stop_background(run);
}

// After the handshake: --messages frames of an unknown command, then a ping; the pong tells that
// the peer has read (and decoded) everything sent before it.
asio::awaitable<void> run_ingest(Run& run) {
  run.started = Clock::now();
  auto c = run.new_connection(kPingReadBuffer);
  ClientState s;
  const auto latency = co_await handshake(run, c, s, 0);
  if (!latency) {
    stop_background(run);
    co_return;
  }
  run.ping_handshake_us = std::chrono::duration<double, std::micro>(*latency).count();
  run.first_peer = s.peer;
  run.have_peer = true;

  wire::Bytes frame;
  wire::Bytes payload(run.options.message_bytes);
  for (std::size_t i = 0; i < payload.size(); ++i)
    payload[i] = static_cast<std::uint8_t>(run.random());
  if (!wire::append_frame(frame, run.magic, "bsvpeerbulk", payload)) {
    run.failures.add(Failure::protocol_error, "cannot frame the payload");
    stop_background(run);
    co_return;
  }
  const std::uint64_t nonce = run.random();
  std::optional<Problem> problem;
  const auto started = Clock::now();
  for (std::uint64_t i = 0; i < run.options.messages && !problem; ++i) {
    c->deadline = Clock::now() + run.options.timeout;
    auto [ec, n] = co_await asio::async_write(c->socket, asio::buffer(frame), kUseTuple);
    if (ec) {
      problem =
          io_problem(*c, ec, Failure::closed_in_ping, Failure::ping_timeout, "writing bulk frames");
    }
  }
  if (!problem) run.writer.append(c->out, wire::Ping{nonce});
  c->deadline = Clock::now() + run.options.timeout;
  while (!problem && !run.ingest_done) {
    if (auto write_ec = co_await flush(*c)) {
      problem = io_problem(*c, write_ec, Failure::closed_in_ping, Failure::ping_timeout,
                           "writing the ping");
      break;
    }
    auto [ec, n] = co_await c->socket.async_read_some(asio::buffer(c->read_buffer), kUseTuple);
    if (ec) {
      problem = io_problem(*c, ec, Failure::closed_in_ping, Failure::ping_timeout,
                           "waiting for the pong after the bulk frames");
      break;
    }
    const auto now = Clock::now();
    problem = decode_frames(
        c->decoder, wire::ByteSpan(c->read_buffer.data(), n),
        [&](std::string_view command, wire::ByteSpan p) -> std::optional<Problem> {
          if (command != wire::Pong::kCommand) return on_client_frame(run, *c, s, command, p);
          auto pong = wire::Pong::decode(p);
          if (!pong) return Problem{Failure::protocol_error, "bad pong: " + pong.error().message()};
          if (pong->nonce != nonce) {
            ++run.unmatched_pongs;
            return std::nullopt;
          }
          run.ingest_done = true;
          run.ingest_elapsed_s = std::chrono::duration<double>(now - started).count();
          return std::nullopt;
        });
  }
  if (problem) run.failures.add(problem->kind, std::move(problem->detail));
  run.attempts_done_at = Clock::now();
  finish(*c, CloseStyle::rst);
  stop_background(run);
}

// ---- reporting -------------------------------------------------------------------------------

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest sample with at least p% of samples at or below it.
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * sorted.size()));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

double round1(double v) {
  return std::round(v * 10) / 10;
}

json distribution_json(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  double sum = 0;
  for (double v : samples)
    sum += v;
  return json{{"min", round1(samples.empty() ? 0 : samples.front())},
              {"mean", round1(samples.empty() ? 0 : sum / samples.size())},
              {"p50", round1(percentile(samples, 50))},
              {"p90", round1(percentile(samples, 90))},
              {"p99", round1(percentile(samples, 99))},
              {"max", round1(samples.empty() ? 0 : samples.back())}};
}

json report(const Run& run) {
  const auto& o = run.options;
  json j{{"tool", "bsvpeer-load"},
         {"mode", o.mode == Mode::ping     ? "ping"
                  : o.mode == Mode::ingest ? "ingest"
                                           : "handshake"},
         {"target", run.target.address().to_string() + ":" + std::to_string(run.target.port())},
         {"magic", wire::magic_to_hex(run.magic)},
         {"user_agent", o.user_agent},
         {"timeout_ms", o.timeout.count()}};
  if (run.have_peer) {
    j["peer"] = {{"version", run.first_peer.version},
                 {"user_agent", run.first_peer.user_agent},
                 {"services", run.first_peer.services}};
  }
  if (o.mode == Mode::handshake) {
    const double elapsed =
        std::chrono::duration<double>(run.attempts_done_at - run.started).count();
    j["connections"] = o.connections;
    j["concurrency"] = o.concurrency;
    j["close"] = o.close == CloseStyle::rst ? "rst" : "fin";
    j["sources"] = run.sources.size();
    j["attempted"] = run.next_index;  // below `connections` only when the run was stopped
    j["completed"] = run.latencies_us.size();
    j["latency_us"] = distribution_json(run.latencies_us);
    j["elapsed_s"] = std::round(elapsed * 1e4) / 1e4;
    j["handshakes_per_s"] = round1(elapsed > 0 ? run.latencies_us.size() / elapsed : 0);
    j["hold"] = o.hold;
    if (o.hold) {
      j["hold_seconds"] = o.hold_seconds;
      j["held_at_end"] = run.held_at_end.value_or(0);
    }
  } else if (o.mode == Mode::ingest) {
    const double mib =
        static_cast<double>(o.messages) * static_cast<double>(o.message_bytes) / (1024.0 * 1024.0);
    j["messages"] = o.messages;
    j["message_bytes"] = o.message_bytes;
    j["completed"] = run.ingest_done ? o.messages : 0;
    j["elapsed_s"] = std::round(run.ingest_elapsed_s * 1e4) / 1e4;
    j["mib_per_s"] =
        round1(run.ingest_done && run.ingest_elapsed_s > 0 ? mib / run.ingest_elapsed_s : 0);
    j["handshake_us"] = round1(run.ping_handshake_us.value_or(0));
    j["unmatched_pongs"] = run.unmatched_pongs;
  } else {
    j["pings"] = o.pings;
    j["warmup"] = o.warmup;
    j["pipeline"] = o.pipeline;
    j["completed"] = run.ping_completed;
    j["elapsed_s"] = std::round(run.ping_elapsed_s * 1e4) / 1e4;
    j["round_trips_per_s"] =
        round1(run.ping_elapsed_s > 0 ? run.ping_completed / run.ping_elapsed_s : 0);
    j["rtt_us"] = distribution_json(run.rtts_us);
    j["handshake_us"] = round1(run.ping_handshake_us.value_or(0));
    j["unmatched_pongs"] = run.unmatched_pongs;
  }
  j["peer_pings_answered"] = run.peer_pings_answered;
  j["errors"] = run.failures.counts_json();
  j["error_total"] = run.failures.total();
  if (run.failures.total() > 0) j["error_samples"] = run.failures.samples_json();
  if (run.stopping) j["stopped"] = run.stop_reason;
  const bool all_done = o.mode == Mode::ping     ? run.ping_completed == o.pings
                        : o.mode == Mode::ingest ? run.ingest_done
                                                 : run.latencies_us.size() == o.connections;
  j["ok"] = all_done && run.failures.total() == 0 &&
            (!o.hold || o.mode != Mode::handshake || run.held_at_end == run.latencies_us.size());
  return j;
}

void print_text(const json& j) {
  std::cout << "target " << j["target"].get<std::string>() << " magic "
            << j["magic"].get<std::string>();
  if (j.contains("peer")) std::cout << " peer " << j["peer"]["user_agent"].get<std::string>();
  std::cout << "\n";
  if (j["mode"] == "handshake") {
    const auto& l = j["latency_us"];
    std::cout << "handshakes " << j["completed"] << "/" << j["connections"] << " at concurrency "
              << j["concurrency"] << " in " << j["elapsed_s"] << " s: " << j["handshakes_per_s"]
              << " handshakes/s\nlatency us: p50 " << l["p50"] << " p90 " << l["p90"] << " p99 "
              << l["p99"] << " max " << l["max"] << " mean " << l["mean"] << "\n";
    if (j["hold"].get<bool>()) std::cout << "held open at the end: " << j["held_at_end"] << "\n";
  } else if (j["mode"] == "ingest") {
    std::cout << "ingest " << j["messages"] << " x " << j["message_bytes"] << " bytes in "
              << j["elapsed_s"] << " s: " << j["mib_per_s"] << " MiB/s\n";
  } else {
    const auto& r = j["rtt_us"];
    std::cout << "pings " << j["completed"] << "/" << j["pings"] << " pipeline " << j["pipeline"]
              << " in " << j["elapsed_s"] << " s: " << j["round_trips_per_s"]
              << " round trips/s\nrtt us: mean " << r["mean"] << " p50 " << r["p50"] << " p99 "
              << r["p99"] << " max " << r["max"] << "\n";
  }
  std::cout << "errors: " << j["error_total"];
  if (j.contains("error_samples")) std::cout << " " << j["error_samples"].dump();
  std::cout << "\n" << (j["ok"].get<bool>() ? "ok" : "NOT ok") << "\n";
}

// ---- serve (baseline) ------------------------------------------------------------------------

struct ServeStats {
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> accept_errors{0};
  std::atomic<std::uint64_t> handshakes{0};
  std::atomic<std::uint64_t> pongs{0};
  std::atomic<std::uint64_t> protocol_errors{0};
  std::atomic<std::uint64_t> idle_timeouts{0};
  std::atomic<std::uint64_t> open{0};
};

// One session per connection on its own strand (the watchdog shares it); read, answer, write,
// nothing else: the floor for what a node must do per handshake and per ping.
asio::awaitable<void> serve_session(std::shared_ptr<Connection> c, const Options& o,
                                    const wire::Magic& magic, ServeStats& stats) {
  FrameWriter writer(magic);
  bool got_version = false;
  boost::system::error_code ec;
  c->socket.set_option(tcp::no_delay(true), ec);
  c->deadline = Clock::now() + o.idle_timeout;
  asio::co_spawn(c->socket.get_executor(), watchdog(c), asio::detached);
  std::mt19937_64 random{std::random_device{}()};
  for (;;) {
    auto [read_ec, n] = co_await c->socket.async_read_some(asio::buffer(c->read_buffer), kUseTuple);
    if (read_ec) {
      if (c->timed_out) ++stats.idle_timeouts;
      break;
    }
    auto problem = decode_frames(
        c->decoder, wire::ByteSpan(c->read_buffer.data(), n),
        [&](std::string_view command, wire::ByteSpan payload) -> std::optional<Problem> {
          if (command == wire::Version::kCommand) {
            if (got_version) return Problem{Failure::protocol_error, "second version"};
            got_version = true;
            tcp::endpoint peer = c->socket.remote_endpoint(ec);
            writer.append(c->out, make_version(o.user_agent, peer, random()));
            writer.append(c->out, wire::Verack{});
          } else if (command == wire::Verack::kCommand) {
            ++stats.handshakes;
          } else if (command == wire::Ping::kCommand) {
            auto ping = wire::Ping::decode(payload);
            if (!ping) return Problem{Failure::protocol_error, "bad ping"};
            if (ping->nonce) {
              writer.append(c->out, wire::Pong{*ping->nonce});
              ++stats.pongs;
            }
          }
          return std::nullopt;
        });
    if (problem) {
      ++stats.protocol_errors;
      break;
    }
    if (auto write_ec = co_await flush(*c)) break;
    c->deadline = Clock::now() + o.idle_timeout;
  }
  --stats.open;
  finish(*c, CloseStyle::fin);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, asio::io_context& ioc, const Options& o,
                                  const wire::Magic& magic, ServeStats& stats) {
  asio::steady_timer backoff(ioc);
  for (;;) {
    auto [ec, socket] =
        co_await acceptor.async_accept(asio::make_strand(ioc), asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      // EMFILE and the like: report, pause briefly so the loop does not spin, go on.
      if (stats.accept_errors++ == 0) std::cerr << "bsvpeer-load: accept: " << ec.message() << "\n";
      backoff.expires_after(std::chrono::milliseconds(10));
      co_await backoff.async_wait(kUseTuple);
      continue;
    }
    ++stats.accepted;
    ++stats.open;
    auto c = std::make_shared<Connection>(tcp::socket(std::move(socket)), magic, kServeReadBuffer);
    asio::co_spawn(c->socket.get_executor(), serve_session(c, o, magic, stats), asio::detached);
  }
}

int serve(const Options& o, const tcp::endpoint& listen_on, const wire::Magic& magic) {
  asio::io_context ioc(static_cast<int>(o.threads));
  tcp::acceptor acceptor(ioc);
  boost::system::error_code ec;
  acceptor.open(listen_on.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(listen_on, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "bsvpeer-load: cannot listen on " << listen_on << ": " << ec.message() << "\n";
    return 1;
  }
  ServeStats stats;
  std::cerr << "bsvpeer-load: serving on " << acceptor.local_endpoint() << " magic "
            << wire::magic_to_hex(magic) << ", " << o.threads << " thread(s)" << std::endl;
  asio::co_spawn(ioc, accept_loop(acceptor, ioc, o, magic, stats), asio::detached);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::steady_timer duration(ioc);
  std::string stopped_by = "signal";
  auto stop = [&] { ioc.stop(); };
  signals.async_wait([&](const boost::system::error_code& e, int) {
    if (!e) stop();
  });
  if (o.duration_s > 0) {
    duration.expires_after(
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration_s)));
    duration.async_wait([&](const boost::system::error_code& e) {
      if (e) return;
      stopped_by = "duration";
      stop();
    });
  }
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < o.threads; ++i)
    pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool)
    t.join();
  const json j{{"tool", "bsvpeer-load"},
               {"mode", "serve"},
               {"listen", listen_on.address().to_string() + ":" + std::to_string(listen_on.port())},
               {"magic", wire::magic_to_hex(magic)},
               {"threads", o.threads},
               {"stopped_by", stopped_by},
               {"accepted", stats.accepted.load()},
               {"accept_errors", stats.accept_errors.load()},
               {"handshakes", stats.handshakes.load()},
               {"pongs", stats.pongs.load()},
               {"protocol_errors", stats.protocol_errors.load()},
               {"idle_timeouts", stats.idle_timeouts.load()},
               {"open_at_exit", stats.open.load()}};
  std::cout << (o.json ? j.dump() : j.dump(2)) << std::endl;
  return 0;
}

// ---- main ------------------------------------------------------------------------------------

// Thousands of sockets need more than the usual 1024; the soft limit may rise to the hard one.
void raise_fd_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      std::cerr << "bsvpeer-load: warning: cannot raise RLIMIT_NOFILE\n";
    }
  }
}

rlim_t fd_limit() {
  rlimit limit{};
  return ::getrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : 0;
}

std::optional<tcp::endpoint> resolve(const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(address, port);
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  const auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    std::cerr << "bsvpeer-load: cannot resolve " << host << ": " << ec.message() << "\n";
    return std::nullopt;
  }
  return results.begin()->endpoint();
}

int run_client(const Options& o, const tcp::endpoint& target, const wire::Magic& magic) {
  asio::io_context ioc(1);
  Run run(ioc, o, target, magic);
  const bool loopback_v4 =
      target.address().is_v4() && target.address().to_v4().to_bytes()[0] == 127;
  const unsigned sources = o.sources.value_or(loopback_v4 ? kDefaultLoopbackSources : 0);
  if (sources > 0 && !loopback_v4) {
    std::cerr << "bsvpeer-load: --sources needs a 127.x target\n";
    return 2;
  }
  for (unsigned i = 0; i < sources; ++i)
    run.sources.push_back(asio::ip::address_v4((127u << 24) | (2u + i)));
  if (o.mode == Mode::handshake && o.hold && o.connections + 64 > fd_limit()) {
    std::cerr << "bsvpeer-load: --hold of " << o.connections << " connections needs more than "
              << fd_limit() << " file descriptors (RLIMIT_NOFILE)\n";
    return 2;
  }
  run.run_deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(o.duration_s));
  run.run_deadline_timer.expires_at(run.run_deadline);
  run.run_deadline_timer.async_wait([&run](const boost::system::error_code& ec) {
    if (!ec) run.stop("--duration elapsed");
  });
  run.signals.async_wait([&run](const boost::system::error_code& ec, int signo) {
    if (!ec) run.stop("signal " + std::to_string(signo));
  });
  if (o.mode == Mode::ping) {
    asio::co_spawn(ioc, run_pings(run), asio::detached);
  } else if (o.mode == Mode::ingest) {
    asio::co_spawn(ioc, run_ingest(run), asio::detached);
  } else {
    asio::co_spawn(ioc, run_handshakes(run), asio::detached);
  }
  ioc.run();
  const json j = report(run);
  if (o.json) {
    std::cout << j.dump() << std::endl;
  } else {
    print_text(j);
  }
  return j["ok"].get<bool>() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  auto options = parse_options(argc, argv, exit_code);
  if (!options) return exit_code;
  raise_fd_limit();
  // A peer that resets while we write must be an error code, not a signal that kills the run.
  std::signal(SIGPIPE, SIG_IGN);

  auto params = net::network_params(*net::parse_network(options->network));
  const wire::Magic magic = options->magic.value_or(params.magic);
  const std::uint16_t port = options->port != 0 ? options->port : params.default_port;
  const auto endpoint = resolve(options->host, port);
  if (!endpoint) return 2;
  try {
    if (options->mode == Mode::serve) return serve(*options, *endpoint, magic);
    return run_client(*options, *endpoint, magic);
  } catch (const std::exception& e) {
    std::cerr << "bsvpeer-load: " << e.what() << "\n";
    return 1;
  }
}
