// bsvpeer-load's command line: the options, their checks and --help.
#include "common.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iostream>

namespace bsvpeer::load {

namespace {

constexpr const char* kHelp = R"(bsvpeer-load: BSV P2P load generator and baseline responder

usage: bsvpeer-load [--mode handshake|ping|ingest|storm|serve] [options]   (--name=value or --name value)

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
  --ping-every S        with --hold: every held connection sends a ping every S seconds (the
                        first at a random point of the first S) and counts the pongs [0: none]
  --target-pid PID      read the CPU time of process PID (/proc/PID/stat and the summed
  --progress-every N    schedstat of its threads) at the start and after every N completed
                        handshakes: reported as "progress" (CPU per handshake as the count grows)
  --sources K           spread client sockets over 127.0.0.2..127.0.0.(K+1) so 4-tuples do not
                        run out when churning connections; 0 = kernel's choice
                        [16 for 127.x targets, else 0]
storm mode: --connections connects, --concurrency at once (set both to the same N for one
  burst), each sends its version and waits for an outcome: admitted (handshake complete and the
  peer keeps it), rejected after the handshake, closed or refused before it, or a reject
  message. Reports the count of each and the time from connect() to the outcome; a connection
  without an outcome within --timeout-ms counts as no_outcome (a failure). Admitted connections
  answer pings and are held --hold-seconds after the storm settled (stderr event storm_settled).
  --settle-ms M         after the last connection handshaked or closed, wait M ms for the
                        peer's closes before counting open ones as admitted [1000]
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

}  // namespace

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
      } else if (value == "storm") {
        o.mode = Mode::storm;
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
    } else if (name == "ping-every") {
      if (!parse_number(value, o.ping_every_s) || o.ping_every_s < 0) return bad();
    } else if (name == "target-pid") {
      if (!parse_number(value, o.target_pid) || o.target_pid <= 0) return bad();
    } else if (name == "progress-every") {
      if (!parse_number(value, o.progress_every)) return bad();
    } else if (name == "settle-ms") {
      std::int64_t ms = 0;
      if (!parse_number(value, ms) || ms < 0) return bad();
      o.settle = std::chrono::milliseconds(ms);
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

}  // namespace bsvpeer::load
