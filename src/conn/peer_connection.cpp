#include "peer_connection_detail.hpp"

#include <bsvpeer/conn/failure_kind_of.hpp>
#include <bsvpeer/conn/thread_random.hpp>
#include <bsvpeer/log/null_logger.hpp>
#include <bsvpeer/net/address_text.hpp>
#include <bsvpeer/net/protocol.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>

namespace bsvpeer::conn {

using net::endpoint_text;

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using namespace detail;

namespace detail {

// Failures of the transport or the clock, as opposed to the peer breaking a rule.
bool is_failure(DisconnectReason r) {
  switch (r) {
    case DisconnectReason::handshake_timeout:
    case DisconnectReason::ping_timeout:
    case DisconnectReason::inactivity_timeout:
    case DisconnectReason::peer_closed:
    case DisconnectReason::network_error:
    case DisconnectReason::connect_failed:
    case DisconnectReason::connect_timeout:
    case DisconnectReason::send_queue_full:
      return true;
    default:
      return false;
  }
}
}  // namespace detail

namespace {
// Our protoconf announces what we accept.
std::uint32_t announced_receive_limit(const ConnectionConfig& config) {
  return static_cast<std::uint32_t>(config.receive_limits.max_recv_payload);
}
}  // namespace

PeerConnection::SharedConfig PeerConnection::share(ConnectionConfig config) {
  config.policy.our_protoconf.max_recv_payload_length = announced_receive_limit(config);
  return std::make_shared<const ConnectionConfig>(std::move(config));
}

std::shared_ptr<PeerConnection> PeerConnection::outbound(
    asio::any_io_executor executor, tcp::endpoint remote, ConnectionConfig config,
    EventHandler on_event, std::shared_ptr<NonceRegistry> nonces, std::uint64_t id) {
  return outbound(SerialExecutor{asio::make_strand(executor)}, remote, share(std::move(config)),
                  std::move(on_event), std::move(nonces), id);
}

std::shared_ptr<PeerConnection> PeerConnection::outbound(
    SerialExecutor serial, tcp::endpoint remote, ConnectionConfig config, EventHandler on_event,
    std::shared_ptr<NonceRegistry> nonces, std::uint64_t id) {
  return outbound(std::move(serial), remote, share(std::move(config)), std::move(on_event),
                  std::move(nonces), id);
}

std::shared_ptr<PeerConnection> PeerConnection::outbound(SerialExecutor serial,
                                                         tcp::endpoint remote, SharedConfig config,
                                                         EventHandler on_event,
                                                         std::shared_ptr<NonceRegistry> nonces,
                                                         std::uint64_t id) {
  tcp::socket socket(serial.executor);
  return std::make_shared<PeerConnection>(
      Private{}, serial.executor, std::move(socket), PeerIdentity{id, remote, Direction::outbound},
      std::move(config), std::move(on_event), std::move(nonces));
}

std::shared_ptr<PeerConnection> PeerConnection::inbound(tcp::socket socket, ConnectionConfig config,
                                                        EventHandler on_event,
                                                        std::shared_ptr<NonceRegistry> nonces,
                                                        std::uint64_t id) {
  return inbound(std::move(socket), share(std::move(config)), std::move(on_event),
                 std::move(nonces), id);
}

std::shared_ptr<PeerConnection> PeerConnection::inbound(tcp::socket socket, SharedConfig config,
                                                        EventHandler on_event,
                                                        std::shared_ptr<NonceRegistry> nonces,
                                                        std::uint64_t id) {
  boost::system::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  return inbound(std::move(socket), remote, std::move(config), std::move(on_event),
                 std::move(nonces), id);
}

std::shared_ptr<PeerConnection> PeerConnection::inbound(tcp::socket socket, tcp::endpoint remote,
                                                        SharedConfig config, EventHandler on_event,
                                                        std::shared_ptr<NonceRegistry> nonces,
                                                        std::uint64_t id) {
  asio::any_io_executor strand = socket.get_executor();
  return std::make_shared<PeerConnection>(
      Private{}, strand, std::move(socket), PeerIdentity{id, remote, Direction::inbound},
      std::move(config), std::move(on_event), std::move(nonces));
}

PeerConnection::PeerConnection(Private, asio::any_io_executor strand, tcp::socket socket,
                               PeerIdentity identity, SharedConfig config, EventHandler on_event,
                               std::shared_ptr<NonceRegistry> nonces)
    : strand_(std::move(strand)),
      socket_(std::move(socket)),
      identity_(std::move(identity)),
      config_(config ? std::move(config) : share({})),
      on_event_(std::move(on_event)),
      nonces_(nonces ? std::move(nonces) : std::make_shared<NonceRegistry>()),
      logger_(config_->logger ? config_->logger : null_logger()),
      queue_(config_->send_queue),
      core_timer_(strand_),
      reader_wake_(strand_) {
  set_session_policy();
  if (identity_.direction == Direction::outbound && config_->restart.enabled) {
    restarts_.reset(new Restarts{RestartWindow(Direction::outbound, config_->restart.window),
                                 Backoff(config_->restart.backoff)});
  }
  log_prefix_ = endpoint_text(identity_.endpoint) + " " +
                (identity_.direction == Direction::outbound ? "out" : "in") + " #" +
                std::to_string(identity_.id);
}

void PeerConnection::set_session_policy() {
  // A config made by share() already announces its limit: the core shares its policy.
  if (config_->policy.our_protoconf.max_recv_payload_length == announced_receive_limit(*config_)) {
    session_policy_ = std::shared_ptr<const ConnectionPolicy>(config_, &config_->policy);
    return;
  }
  auto policy = std::make_shared<ConnectionPolicy>(config_->policy);
  policy->our_protoconf.max_recv_payload_length = announced_receive_limit(*config_);
  session_policy_ = std::move(policy);
}

PeerConnection::~PeerConnection() {
  if (our_nonce_ != 0) nonces_->release(our_nonce_);
}

void PeerConnection::start() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    if (self->started_) return;
    self->started_ = true;
    asio::co_spawn(
        self->strand_, [self] { return self->run(); },
        [self](std::exception_ptr e) {
          if (!e) return;
          // Exceptions are bugs or exhaustion, never peer input: log and end the actor.
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            self->log(spdlog::level::err, "connection actor failed: {}", ex.what());
          }
          self->finished_.store(true, std::memory_order_release);
        });
  });
}

void PeerConnection::send(wire::Message message) {
  asio::post(strand_, [self = shared_from_this(), message = std::move(message)]() mutable {
    if (!self->core_ || self->stopping_) {
      self->emit(SendRefused{std::string(wire::command_of(message)), "not connected"});
      return;
    }
    const std::string command(wire::command_of(message));
    if (auto why = self->core_->send_user_message(std::move(message), self->actions_)) {
      self->emit(SendRefused{command, *why});
      return;
    }
    self->execute_actions();
  });
}

void PeerConnection::disconnect(DisconnectReason reason) {
  asio::post(strand_, [self = shared_from_this(), reason] {
    self->user_stop_ = true;
    self->stop(reason, "requested", false);
    self->reader_wake_.cancel();
    self->core_timer_.cancel();  // also wakes a restart wait
  });
}

void PeerConnection::ping() {
  asio::post(strand_, [self = shared_from_this()] {
    if (!self->core_ || self->stopping_) return;
    if (self->core_->request_ping(Clock::now(), self->actions_)) self->execute_actions();
  });
}

void PeerConnection::update_config(ConnectionConfig config) {
  update_config(share(std::move(config)));
}

void PeerConnection::update_config(SharedConfig config) {
  if (!config) return;
  asio::post(strand_, [self = shared_from_this(), config = std::move(config)]() mutable {
    if (config->network.id != self->config_->network.id ||
        config->network.magic != self->config_->network.magic) {
      auto same_network = *config;  // a live connection keeps its network
      same_network.network = self->config_->network;
      config = share(std::move(same_network));
    }
    self->config_ = std::move(config);
    self->set_session_policy();
    if (self->config_->logger) self->logger_ = self->config_->logger;
    self->queue_.set_limits(self->config_->send_queue);
    if (self->decoder_) self->decoder_->set_limits(self->config_->receive_limits);
    // Timers apply to the live session at once; the rest of the policy from the next one.
    if (self->core_) self->core_->update_timers(self->config_->policy);
    self->rearm_timer();
  });
}

void PeerConnection::emit(decltype(ConnectionEvent::body) body) {
  if (!on_event_) return;
  try {
    on_event_(ConnectionEvent{identity_, std::move(body)});
  } catch (const std::exception& e) {
    log(spdlog::level::err, "event handler threw: {}", e.what());
  }
}

void PeerConnection::set_state(PeerState to, std::optional<DisconnectReason> reason,
                               std::string detail) {
  const PeerState from = state_.exchange(to, std::memory_order_relaxed);
  if (from == to && !reason) return;
  // Transitions at debug; the events an operator reads at info (established, closing) have
  // their own lines.
  if (reason) {
    log(spdlog::level::debug, "state {} -> {} ({}{}{})", to_string(from), to_string(to),
        to_string(*reason), detail.empty() ? "" : ": ", detail);
  } else {
    log(spdlog::level::debug, "state {} -> {}", to_string(from), to_string(to));
  }
  emit(StateChanged{from, to, reason, std::move(detail)});
}

wire::Version PeerConnection::make_our_version() {
  wire::Version v;
  v.version = net::kProtocolVersion;
  v.services = config_->services;
  v.timestamp = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  // SV puts the peer's address in addr_recv and its services with a zero address in
  // addr_from; we do the same.
  const auto addr = identity_.endpoint.address();
  const auto v6 =
      addr.is_v4() ? asio::ip::make_address_v6(asio::ip::v4_mapped, addr.to_v4()) : addr.to_v6();
  const auto bytes = v6.to_bytes();
  std::copy(bytes.begin(), bytes.end(), v.addr_recv.ip.begin());
  v.addr_recv.port = identity_.endpoint.port();
  v.addr_from.services = config_->services;
  if (our_nonce_ != 0) nonces_->release(our_nonce_);
  our_nonce_ = nonces_->acquire();
  v.nonce = our_nonce_;
  v.user_agent = config_->user_agent;
  v.start_height = config_->start_height;
  v.relay = config_->relay;
  return v;
}

void PeerConnection::reset_session() {
  ++session_;
  stopping_ = false;
  closing_ = false;
  stop_reason_.reset();
  stop_detail_.clear();
  streaming_ = false;
  stream_admitted_ = false;
  queue_.clear();
  out_batch_.clear();
  out_total_ = 0;
  out_written_ = 0;
  writing_ = false;
  reader_paused_ = false;
  wire::Bytes().swap(unread_);
  actions_.clear();
  wire::FrameDecoderOptions options;
  options.limits = config_->receive_limits;
  options.stream_threshold = config_->stream_threshold;
  options.allow_extended = false;  // until the peer's version says >= 70016
  decoder_.emplace(config_->network.magic, options);
  misbehaviour_.store(0, std::memory_order_relaxed);  // a restart is a new session
  core_.emplace(
      identity_.direction, session_policy_, make_our_version(),
      [nonces = nonces_](std::uint64_t n) { return nonces->contains(n); },
      [] {
        std::uint64_t n = 0;
        while (n == 0)
          n = thread_random();
        return n;
      });
}

asio::awaitable<void> PeerConnection::run() {
  for (;;) {
    std::optional<DisconnectReason> failure;
    if (identity_.direction == Direction::outbound) failure = co_await connect();
    if (failure) {
      // The one line of a dial that never connected (stop() says it for a session's end).
      log(*failure == DisconnectReason::local_request ? spdlog::level::info : spdlog::level::warn,
          "closing: {} ({})", to_string(*failure), stop_detail_);
    }
    if (!failure) {
      co_await session();
      failure = stop_reason_.value_or(DisconnectReason::network_error);
    }
    boost::system::error_code ignored;
    discard_unread();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    if (our_nonce_ != 0) {
      nonces_->release(our_nonce_);
      our_nonce_ = 0;
    }

    const bool failed = is_failure(*failure);
    const TimePoint now = Clock::now();
    const auto kind = failure_kind_of(*failure);
    std::optional<Duration> delay;
    if (restarts_ && kind && !user_stop_ &&
        restarts_->window.try_restart(*kind, now) == RestartVerdict::restart) {
      const auto decision = restarts_->backoff.record_failure(*kind, now);
      if (decision.action == BackoffAction::retry) delay = decision.eligible_at - now;
    }
    if (!delay) {
      finish(failed ? PeerState::failed : PeerState::rejected, *failure);
      co_return;
    }
    set_state(PeerState::disconnected, *failure, stop_detail_);
    const auto restart_count = static_cast<int>(restarts_->window.total_restarts());
    emit(RestartScheduled{*delay, restart_count});
    log(spdlog::level::info, "restart {} in {} ms", restart_count,
        std::chrono::duration_cast<std::chrono::milliseconds>(*delay).count());
    core_timer_.expires_after(*delay);
    co_await core_timer_.async_wait(kUseTuple);
    if (user_stop_) {
      stop_detail_ = "requested";
      finish(PeerState::rejected, DisconnectReason::local_request);
      co_return;
    }
    socket_ = tcp::socket(strand_);
  }
}

void PeerConnection::finish(PeerState final_state, DisconnectReason reason) {
  core_.reset();
  set_state(final_state, reason, stop_detail_);
  // Set after the last event: once finished() is true no callback runs any more, so the owner
  // may destroy what its handler refers to.
  finished_.store(true, std::memory_order_release);
}

asio::awaitable<std::optional<DisconnectReason>> PeerConnection::connect() {
  set_state(PeerState::connecting);
  if (config_->local_address) {
    boost::system::error_code ec;
    socket_.open(identity_.endpoint.protocol(), ec);
    if (!ec) socket_.bind(tcp::endpoint(*config_->local_address, 0), ec);
    if (ec) {
      stop_detail_ = "cannot bind the local address: " + ec.message();
      co_return DisconnectReason::connect_failed;
    }
  }
  asio::steady_timer deadline(strand_);
  deadline.expires_after(config_->connect_timeout);
  auto result = co_await (socket_.async_connect(identity_.endpoint, kUseTuple) ||
                          deadline.async_wait(kUseTuple));
  if (user_stop_) {
    stop_detail_ = "requested";
    co_return DisconnectReason::local_request;
  }
  if (result.index() == 1) {
    stop_detail_ = "no answer within the connect timeout";
    co_return DisconnectReason::connect_timeout;
  }
  auto [ec] = std::get<0>(result);
  if (ec) {
    stop_detail_ = ec.message();
    // A reset before we saw the connect complete: the peer accepted and then closed it at once
    // (as a node refusing a duplicate does), which is a reset, not a refused dial.
    co_return ec == asio::error::connection_reset ? DisconnectReason::network_error
                                                  : DisconnectReason::connect_failed;
  }
  co_return std::nullopt;
}

asio::awaitable<void> PeerConnection::session() {
  boost::system::error_code ec;
  // Without TCP_NODELAY, Nagle plus delayed ACK adds ~40 ms to a pong.
  socket_.set_option(tcp::no_delay(true), ec);
  // Reads and direct writes (flush_now) never block the thread: they report would_block.
  socket_.non_blocking(true, ec);
  reset_session();
  set_state(PeerState::awaiting_handshake);
  core_->start(Clock::now(), actions_);
  // One coroutine per connection: the reader. Timers and the writes the socket did not take at
  // once are plain handlers (a coroutine each cost a frame and a `||` group per connection).
  // Armed at the core's first deadline before the wait: a wait on the timer's old expiry
  // would complete at once, and moving it would cost the reactor another timer update.
  rearm_timer();
  wait_core_timer();
  execute_actions();
  co_await read_loop();
  // The reader ends only after stop() (which cancels the timer and any write); a defensive
  // stop in case it ever does not.
  if (!stopping_) stop(DisconnectReason::network_error, "reading ended", false);
}

void PeerConnection::count_received(const wire::FrameHeader& header) {
  std::lock_guard lock(traffic_mutex_);
  traffic_.add_received(header.command, header.size() + header.payload_length);
}

void PeerConnection::RateWindow::add(std::int64_t now_bucket, std::uint64_t n) noexcept {
  const auto b = bucket.load(std::memory_order_relaxed);
  if (b != now_bucket) {
    previous.store(b == now_bucket - 1 ? current.load(std::memory_order_relaxed) : 0,
                   std::memory_order_relaxed);
    current.store(0, std::memory_order_relaxed);
    bucket.store(now_bucket, std::memory_order_relaxed);
  }
  current.fetch_add(n, std::memory_order_relaxed);
}

std::uint64_t PeerConnection::RateWindow::last_complete(std::int64_t now_bucket) const noexcept {
  const auto b = bucket.load(std::memory_order_relaxed);
  if (b == now_bucket) return previous.load(std::memory_order_relaxed);
  if (b == now_bucket - 1) return current.load(std::memory_order_relaxed);
  return 0;
}

std::uint64_t PeerConnection::receive_rate_minute() const noexcept {
  return receive_minutes_.last_complete(unix_seconds() / 60) / 60;
}

std::uint64_t PeerConnection::receive_rate_second() const noexcept {
  return receive_seconds_.last_complete(unix_seconds());
}

MessageStats PeerConnection::traffic() const {
  std::lock_guard lock(traffic_mutex_);
  return traffic_.stats();
}

}  // namespace bsvpeer::conn
