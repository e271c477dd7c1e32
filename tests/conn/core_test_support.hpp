#pragma once
// Shared helpers for the conn unit tests: fake time (plain TimePoint values), canned version
// messages, a harness around ConnectionCore and readable views of the returned actions.
#include <bsvpeer/conn/connection_core.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace doctest {
template <>
struct StringMaker<bsvpeer::conn::Duration> {
  static String convert(const bsvpeer::conn::Duration& d) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    return (std::to_string(ms) + "ms").c_str();
  }
};
template <>
struct StringMaker<bsvpeer::conn::TimePoint> {
  static String convert(const bsvpeer::conn::TimePoint& t) {
    if (t == bsvpeer::conn::TimePoint::max()) return "TimePoint::max";
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    return ("t=" + std::to_string(ms) + "ms").c_str();
  }
};
}  // namespace doctest

namespace bsvpeer::conn::test {

namespace net = bsvpeer::net;
namespace wire = bsvpeer::wire;
using namespace std::chrono_literals;

// An arbitrary origin for fake time; tests only ever add durations to it.
inline const TimePoint kT0 = TimePoint{} + std::chrono::hours(1000);

inline constexpr std::uint64_t kOurNonce = 0x1111222233334444ull;
inline constexpr std::uint64_t kPeerNonce = 0x5555666677778888ull;

inline wire::Version our_version() {
  wire::Version v;
  v.version = net::kProtocolVersion;
  v.services = net::kNodeNone;
  v.timestamp = 1700000000;
  v.addr_recv = wire::NetAddress::ipv4(1, 2, 3, 4, 8333);
  v.nonce = kOurNonce;
  v.user_agent = "/bsvpeer-test:0.1.0/";
  v.start_height = 0;
  v.relay = true;
  return v;
}

inline wire::Version sv_version(std::int32_t protocol = net::kProtocolVersion,
                                std::uint64_t nonce = kPeerNonce,
                                std::string user_agent = "/Bitcoin SV:1.2.2/",
                                std::uint64_t services = net::kNodeNetwork |
                                                         net::kNodeBitcoinCash) {
  wire::Version v;
  v.version = protocol;
  v.services = services;
  v.timestamp = 1700000000;
  v.addr_from.services = services;
  v.nonce = nonce;
  v.user_agent = std::move(user_agent);
  v.start_height = 900000;
  v.relay = true;
  return v;
}

// Deterministic nonces for our pings: 101, 102, ...
struct CountingNonces {
  std::shared_ptr<std::uint64_t> next = std::make_shared<std::uint64_t>(101);
  std::uint64_t operator()() const { return (*next)++; }
};

inline std::string describe_all(const Actions& actions) {
  std::ostringstream os;
  for (std::size_t i = 0; i < actions.size(); ++i)
    os << (i ? "; " : "") << actions[i];
  return os.str();
}

// The commands of the SendMessage actions, space separated, in order.
inline std::string sent_commands(const Actions& actions) {
  std::string out;
  for (const auto& a : actions) {
    if (const auto* send = std::get_if<SendMessage>(&a)) {
      if (!out.empty()) out += ' ';
      out += wire::command_of(send->message);
    }
  }
  return out;
}

// The commands of the Deliver actions, space separated, in order.
inline std::string delivered_commands(const Actions& actions) {
  std::string out;
  for (const auto& a : actions) {
    if (const auto* deliver = std::get_if<Deliver>(&a)) {
      if (!out.empty()) out += ' ';
      out += wire::command_of(deliver->message);
    }
  }
  return out;
}

template <class T>
std::vector<T> actions_of(const Actions& actions) {
  std::vector<T> out;
  for (const auto& a : actions) {
    if (const auto* t = std::get_if<T>(&a)) out.push_back(*t);
  }
  return out;
}

template <class T>
std::vector<T> sent_of(const Actions& actions) {
  std::vector<T> out;
  for (const auto& a : actions) {
    if (const auto* send = std::get_if<SendMessage>(&a)) {
      if (const auto* t = std::get_if<T>(&send->message)) out.push_back(*t);
    }
  }
  return out;
}

// A ConnectionCore with fake time, a set of "our pending nonces" and counting ping nonces.
struct Harness {
  explicit Harness(Direction direction, ConnectionPolicy policy = {},
                   wire::Version ours = our_version())
      : local_nonces(std::make_shared<std::set<std::uint64_t>>()),
        core(
            direction, std::move(policy), std::move(ours),
            [nonces = local_nonces](std::uint64_t n) { return nonces->count(n) > 0; },
            CountingNonces{}) {}

  // Each step clears `out` first, so `out` holds the actions of the latest step only.
  Actions& start() {
    out.clear();
    core.start(now, out);
    return out;
  }
  Actions& receive(wire::Message m) {
    out.clear();
    core.on_message(std::move(m), now, out);
    return out;
  }
  Actions& decode_error(std::string_view command, wire::Error e) {
    out.clear();
    core.on_decode_error(command, e, now, out);
    return out;
  }
  Actions& frame_dropped(wire::Error e) {
    out.clear();
    core.on_frame_dropped(e, now, out);
    return out;
  }
  Actions& frame_fatal(wire::Error e) {
    out.clear();
    core.on_frame_fatal(e, out);
    return out;
  }
  Actions& timer() {
    out.clear();
    core.on_timer(now, out);
    return out;
  }
  // Moves fake time forward and fires the timer, as the actor would at next_deadline().
  Actions& advance(Duration d) {
    now += d;
    return timer();
  }

  // Runs the whole handshake with an SV-like peer and leaves the first ping outstanding.
  Actions& complete_handshake(wire::Version peer = sv_version()) {
    start();
    receive(std::move(peer));
    return receive(wire::Verack{});
  }

  std::shared_ptr<std::set<std::uint64_t>> local_nonces;
  ConnectionCore core;
  Actions out;
  TimePoint now = kT0;
};

}  // namespace bsvpeer::conn::test
