#pragma once
// Configuration of one PeerConnection actor: the network, the protocol policy of the pure
// core, socket-level timeouts, queue bounds, restart rules, logging and user handlers.
#include <bsvpeer/conn/backoff.hpp>
#include <bsvpeer/conn/clock.hpp>
#include <bsvpeer/conn/connection_event.hpp>
#include <bsvpeer/conn/connection_policy.hpp>
#include <bsvpeer/conn/restart_window.hpp>
#include <bsvpeer/conn/send_queue.hpp>
#include <bsvpeer/net/network.hpp>
#include <bsvpeer/wire/limits.hpp>
#include <bsvpeer/wire/message.hpp>

#include <boost/asio/ip/address.hpp>
#include <spdlog/logger.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace bsvpeer::conn {

inline constexpr const char* kDefaultUserAgent = "/bsvpeer:0.1.0/";

struct RestartPolicy {
  // Outbound connections lost to a network failure dial again, at most
  // window.max_restarts times per window.window, each after a Backoff delay; inbound
  // connections never do.
  bool enabled = true;
  RestartWindowConfig window;
  BackoffConfig backoff = [] {
    BackoffConfig b;
    b.max_delay = std::chrono::minutes(1);
    return b;
  }();
};

// Called on the connection's strand for unknown commands registered by the user.
using UnknownCommandHandler = std::function<void(const wire::UnknownMessage&)>;

// What an UnknownCommandResponder gets besides the message: who sent it, and `reply`, which
// queues a message on that same connection (posted: safe to keep and call from any thread; a
// reply after the connection ended is refused with a SendRefused event).
struct UnknownCommandContext {
  PeerIdentity peer;
  std::function<void(wire::Message)> reply;
};
// Called on the connection's strand for unknown commands registered by the user, like an
// UnknownCommandHandler, for protocols that answer their peer.
using UnknownCommandResponder =
    std::function<void(const UnknownCommandContext&, const wire::UnknownMessage&)>;

struct ConnectionConfig {
  net::NetworkParams network = net::network_params(net::NetworkId::main);
  ConnectionPolicy policy;
  // What we accept; policy.our_protoconf announces receive_limits.max_recv_payload.
  wire::ReceiveLimits receive_limits;
  // Block-like payloads above this are delivered as PayloadChunk events, never buffered whole.
  std::uint64_t stream_threshold = 32ull << 20;
  Duration connect_timeout = std::chrono::seconds(5);  // SV's -timeout
  // Source address of outbound sockets (e.g. each node of a local mesh on its own 127.0.0.x).
  std::optional<boost::asio::ip::address> local_address;
  // How long a polite close (reject, over-capacity) may take to flush queued frames.
  Duration close_linger = std::chrono::seconds(2);
  SendQueueLimits send_queue;

  // Our version message.
  std::uint64_t services = 0;  // NODE_NETWORK is not advertised by default: we serve no chain
  std::string user_agent = kDefaultUserAgent;
  std::int32_t start_height = 0;
  bool relay = true;

  RestartPolicy restart;
  std::map<std::string, UnknownCommandHandler, std::less<>> unknown_command_handlers;
  std::map<std::string, UnknownCommandResponder, std::less<>> unknown_command_responders;
  // Null: a logger with no sinks. The library never touches spdlog's global state.
  std::shared_ptr<spdlog::logger> logger;
};

// nullopt when usable; otherwise what is wrong (timers, limits, user agent, policy).
std::optional<std::string> config_error(const ConnectionConfig& config);

}  // namespace bsvpeer::conn
