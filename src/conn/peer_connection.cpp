#include <bsvpeer/conn/failure_kind_of.hpp>
#include <bsvpeer/conn/peer_connection.hpp>
#include <bsvpeer/conn/thread_random.hpp>
#include <bsvpeer/log/null_logger.hpp>
#include <bsvpeer/net/address_text.hpp>
#include <bsvpeer/net/protocol.hpp>
#include <bsvpeer/wire/frame.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/ostream.h>

#include <array>
#include <chrono>

namespace bsvpeer::conn {

using net::endpoint_text;

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMinReadBufferSize = 4 * 1024;
constexpr std::size_t kMaxReadBufferSize = 64 * 1024;
constexpr std::size_t kMaxWriteBatch = 256 * 1024;
// Written frames kept for reuse, and the largest buffer kept (frames or payload scratch).
constexpr std::size_t kMaxSpareFrames = 8;
constexpr std::size_t kMaxSpareBuffer = 256;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

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

std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

template <class... Args>
void PeerConnection::log(spdlog::level::level_enum level, fmt::format_string<Args...> fmt,
                         Args&&... args) {
  if (!logger_->should_log(level)) return;
  logger_->log(level, "[{}] {}", log_prefix_, fmt::format(fmt, std::forward<Args>(args)...));
}

std::shared_ptr<PeerConnection> PeerConnection::outbound(
    asio::any_io_executor executor, tcp::endpoint remote, ConnectionConfig config,
    EventHandler on_event, std::shared_ptr<NonceRegistry> nonces, std::uint64_t id) {
  asio::any_io_executor strand = asio::make_strand(executor);
  tcp::socket socket(strand);
  return std::make_shared<PeerConnection>(
      Private{}, strand, std::move(socket), PeerIdentity{id, remote, Direction::outbound},
      std::move(config), std::move(on_event), std::move(nonces));
}

std::shared_ptr<PeerConnection> PeerConnection::inbound(tcp::socket socket, ConnectionConfig config,
                                                        EventHandler on_event,
                                                        std::shared_ptr<NonceRegistry> nonces,
                                                        std::uint64_t id) {
  boost::system::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  asio::any_io_executor strand = socket.get_executor();
  return std::make_shared<PeerConnection>(
      Private{}, strand, std::move(socket), PeerIdentity{id, remote, Direction::inbound},
      std::move(config), std::move(on_event), std::move(nonces));
}

PeerConnection::PeerConnection(Private, asio::any_io_executor strand, tcp::socket socket,
                               PeerIdentity identity, ConnectionConfig config,
                               EventHandler on_event, std::shared_ptr<NonceRegistry> nonces)
    : strand_(std::move(strand)),
      socket_(std::move(socket)),
      identity_(std::move(identity)),
      config_(std::move(config)),
      on_event_(std::move(on_event)),
      nonces_(nonces ? std::move(nonces) : std::make_shared<NonceRegistry>()),
      logger_(config_.logger ? config_.logger : null_logger()),
      queue_(config_.send_queue),
      core_timer_(strand_),
      writer_wake_(strand_),
      reader_wake_(strand_) {
  if (identity_.direction == Direction::outbound && config_.restart.enabled) {
    restart_window_.emplace(Direction::outbound, config_.restart.window);
    restart_backoff_.emplace(config_.restart.backoff);
  }
  log_prefix_ = endpoint_text(identity_.endpoint) + " " +
                (identity_.direction == Direction::outbound ? "out" : "in") + " #" +
                std::to_string(identity_.id);
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
    self->writer_wake_.cancel();
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
  asio::post(strand_, [self = shared_from_this(), config = std::move(config)]() mutable {
    config.network = self->config_.network;  // a live connection keeps its network
    self->config_ = std::move(config);
    if (self->config_.logger) self->logger_ = self->config_.logger;
    self->queue_.set_limits(self->config_.send_queue);
    if (self->decoder_) self->decoder_->set_limits(self->config_.receive_limits);
    // Timers apply to the live session at once; the rest of the policy from the next one.
    if (self->core_) self->core_->update_timers(self->config_.policy);
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
  v.services = config_.services;
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
  v.addr_from.services = config_.services;
  if (our_nonce_ != 0) nonces_->release(our_nonce_);
  our_nonce_ = nonces_->acquire();
  v.nonce = our_nonce_;
  v.user_agent = config_.user_agent;
  v.start_height = config_.start_height;
  v.relay = config_.relay;
  return v;
}

void PeerConnection::reset_session() {
  stopping_ = false;
  closing_ = false;
  stop_reason_.reset();
  stop_detail_.clear();
  streaming_ = false;
  stream_admitted_ = false;
  queue_.clear();
  actions_.clear();
  wire::FrameDecoderOptions options;
  options.limits = config_.receive_limits;
  options.stream_threshold = config_.stream_threshold;
  options.allow_extended = false;  // until the peer's version says >= 70016
  decoder_.emplace(config_.network.magic, options);
  auto policy = config_.policy;
  policy.our_protoconf.max_recv_payload_length =
      static_cast<std::uint32_t>(config_.receive_limits.max_recv_payload);
  misbehaviour_.store(0, std::memory_order_relaxed);  // a restart is a new session
  core_.emplace(
      identity_.direction, std::move(policy), make_our_version(),
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
    if (restart_window_ && restart_backoff_ && kind && !user_stop_ &&
        restart_window_->try_restart(*kind, now) == RestartVerdict::restart) {
      const auto decision = restart_backoff_->record_failure(*kind, now);
      if (decision.action == BackoffAction::retry) delay = decision.eligible_at - now;
    }
    if (!delay) {
      finish(failed ? PeerState::failed : PeerState::rejected, *failure);
      co_return;
    }
    set_state(PeerState::disconnected, *failure, stop_detail_);
    const auto restart_count = static_cast<int>(restart_window_->total_restarts());
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
  if (config_.local_address) {
    boost::system::error_code ec;
    socket_.open(identity_.endpoint.protocol(), ec);
    if (!ec) socket_.bind(tcp::endpoint(*config_.local_address, 0), ec);
    if (ec) {
      stop_detail_ = "cannot bind the local address: " + ec.message();
      co_return DisconnectReason::connect_failed;
    }
  }
  asio::steady_timer deadline(strand_);
  deadline.expires_after(config_.connect_timeout);
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
  reset_session();
  set_state(PeerState::awaiting_handshake);
  core_->start(Clock::now(), actions_);
  execute_actions();
  co_await (read_loop() || write_loop() || timer_loop());
}

asio::awaitable<void> PeerConnection::read_loop() {
  // Starts small and grows while reads fill it: idle peers cost little memory, busy ones get
  // large reads.
  std::vector<std::uint8_t> buffer(kMinReadBufferSize);
  while (!stopping_) {
    if (closing_) {
      // Returning would end the session (the loops are joined with ||) before the writer has
      // flushed; the final stop() wakes us.
      reader_wake_.expires_at(TimePoint::max());
      co_await reader_wake_.async_wait(kUseTuple);
      continue;
    }
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buffer), kUseTuple);
    if (ec) {
      if (ec == asio::error::eof) {
        stop(DisconnectReason::peer_closed, "peer closed the connection", false);
      } else if (ec != asio::error::operation_aborted) {
        stop(DisconnectReason::network_error, ec.message(), false);
      }
      co_return;
    }
    bytes_in_.fetch_add(n, std::memory_order_relaxed);
    {
      const auto now_s = unix_seconds();
      last_receive_time_.store(now_s, std::memory_order_relaxed);
      receive_minutes_.add(now_s / 60, n);
      receive_seconds_.add(now_s, n);
    }
    core_->on_bytes_received(Clock::now());
    wire::ByteSpan input(buffer.data(), n);
    while (!stopping_ && core_->state() != ConnectionState::closed) {
      if (queue_.above_high_watermark()) {
        // Backpressure, as SV pauses reading a peer whose send buffer is full: what this
        // peer asked for must be written before we decode more of what it sent.
        execute_actions();
        reader_wake_.expires_at(TimePoint::max());
        co_await reader_wake_.async_wait(kUseTuple);
        continue;
      }
      auto outcome = decoder_->next(input);
      if (outcome.kind == wire::FrameDecoder::Kind::need_more) break;
      handle_outcome(outcome);
      // A fatal frame stays fatal on every later call: stop decoding this stream.
      if (outcome.kind == wire::FrameDecoder::Kind::fatal) break;
    }
    execute_actions();
    if (n == buffer.size() && buffer.size() < kMaxReadBufferSize) buffer.resize(buffer.size() * 2);
  }
}

void PeerConnection::handle_outcome(wire::FrameDecoder::Outcome outcome) {
  using Kind = wire::FrameDecoder::Kind;
  const TimePoint now = Clock::now();
  switch (outcome.kind) {
    case Kind::need_more:
      return;
    case Kind::frame:
      handle_frame();
      return;
    case Kind::drop:
      log(spdlog::level::debug, "dropped frame '{}': {}", decoder_->header().command,
          wire::make_error_code(outcome.error).message());
      core_->on_frame_dropped(outcome.error, now, actions_);
      return;
    case Kind::fatal:
      log(spdlog::level::warn, "fatal frame '{}': {}", decoder_->header().command,
          wire::make_error_code(outcome.error).message());
      core_->on_frame_fatal(outcome.error, actions_);
      return;
    case Kind::stream_begin: {
      messages_in_.fetch_add(1, std::memory_order_relaxed);
      const auto& header = decoder_->header();
      count_received(header);
      // A streamed payload before the handshake is a message before version/verack: the core
      // scores it; its bytes are skipped.
      stream_admitted_ = core_->handshake_complete();
      if (!stream_admitted_) {
        core_->on_message(wire::UnknownMessage{header.command, {}}, now, actions_);
        return;
      }
      emit(PayloadChunk{header.command, header.payload_length, {}, true, false, true});
      return;
    }
    case Kind::stream_chunk:
      if (stream_admitted_) {
        const auto& header = decoder_->header();
        emit(PayloadChunk{header.command, header.payload_length, decoder_->chunk(), false, false,
                          true});
      }
      return;
    case Kind::stream_end: {
      const auto& header = decoder_->header();
      const bool ok = outcome.error == wire::Error::ok;
      if (stream_admitted_) {
        emit(PayloadChunk{header.command, header.payload_length, {}, false, true, ok});
      }
      if (!ok) core_->on_frame_dropped(outcome.error, now, actions_);
      stream_admitted_ = false;
      return;
    }
  }
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

void PeerConnection::note_queue() noexcept {
  send_queue_bytes_.store(queue_.bytes(), std::memory_order_relaxed);
  send_paused_.store(queue_.above_high_watermark(), std::memory_order_relaxed);
}

MessageStats PeerConnection::traffic() const {
  std::lock_guard lock(traffic_mutex_);
  return traffic_;
}

void PeerConnection::handle_frame() {
  messages_in_.fetch_add(1, std::memory_order_relaxed);
  count_received(decoder_->header());
  const auto& command = decoder_->header().command;
  const TimePoint now = Clock::now();
  auto message = wire::decode_payload(command, decoder_->payload());
  if (!message) {
    log(spdlog::level::debug, "could not decode '{}': {}", command, message.error().message());
    core_->on_decode_error(command, static_cast<wire::Error>(message.error().value()), now,
                           actions_);
    return;
  }
  // Every message once, here (Deliver does not log again): debug, never info.
  // describe() formats through a stream: only when the line is written, not per message.
  if (logger_->should_log(spdlog::level::debug)) {
    log(spdlog::level::debug, "recv {}", describe(*message));
  }
  core_->on_message(std::move(*message), now, actions_);
}

void PeerConnection::execute_actions() {
  if (!core_) return;
  // Executing an action may not add actions (the core is not called from here), so a plain
  // index loop is safe; the vector is reused across calls.
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    std::visit(
        Overloaded{
            [&](SendMessage& a) { enqueue(a.message, a.priority); },
            [&](Disconnect& a) {
              // Flush what the core queued just before (a reject, the over-capacity verack).
              stop(a.reason, a.detail, true);
            },
            [&](Ban& a) {
              // The owner says "banned" once it applies the ban; here only the request.
              log(spdlog::level::debug, "ban requested: {} ({})", to_string(a.reason), a.detail);
              emit(BanRequested{a.reason, a.detail, a.ban_duration});
              stop(a.reason, a.detail, false);
            },
            [&](HandshakeCompleted& a) {
              if (our_nonce_ != 0) {
                nonces_->release(our_nonce_);
                our_nonce_ = 0;
              }
              decoder_->set_allow_extended(a.peer_version.version >= net::kExtendedPayloadVersion);
              log(spdlog::level::info,
                  "handshake done: version {} services {:#x} user agent '{}' height {}",
                  a.peer_version.version, a.peer_version.services, a.peer_version.user_agent,
                  a.peer_version.start_height);
              if (restart_backoff_) restart_backoff_->record_success();
              set_state(PeerState::connected);
              emit(HandshakeDone{a.peer_version});
            },
            [&](Deliver& a) {
              if (auto* unknown = std::get_if<wire::UnknownMessage>(&a.message)) {
                auto it = config_.unknown_command_handlers.find(unknown->command);
                if (it != config_.unknown_command_handlers.end() && it->second) {
                  it->second(*unknown);
                }
                if (auto r = config_.unknown_command_responders.find(unknown->command);
                    r != config_.unknown_command_responders.end() && r->second) {
                  r->second(UnknownCommandContext{identity_,
                                                  [weak = weak_from_this()](wire::Message m) {
                                                    if (auto self = weak.lock()) {
                                                      self->send(std::move(m));
                                                    }
                                                  }},
                            *unknown);
                }
              }
              emit(MessageReceived{std::move(a.message)});
            },
            [&](Misbehaved& a) {
              log(spdlog::level::warn, "misbehaving +{} (score {}): {}", a.points, a.score,
                  a.reason);
              misbehaviour_.store(a.score, std::memory_order_relaxed);
              emit(Misbehaviour{a.points, a.score, a.reason});
            },
            [&](Ignored& a) {
              log(spdlog::level::debug, "ignored {}: {}", a.command.empty() ? "frame" : a.command,
                  a.why);
            },
        },
        actions_[i]);
  }
  actions_.clear();
  const auto stats = core_->ping_stats();
  if (stats.last_rtt) {
    last_ping_us_.store(
        std::chrono::duration_cast<std::chrono::microseconds>(*stats.last_rtt).count(),
        std::memory_order_relaxed);
  }
  if (stats.min_rtt) {
    min_ping_us_.store(
        std::chrono::duration_cast<std::chrono::microseconds>(*stats.min_rtt).count(),
        std::memory_order_relaxed);
  }
  rearm_timer();
}

void PeerConnection::enqueue(const wire::Message& message, bool priority) {
  if (stopping_) return;
  const auto command = wire::command_of(message);
  // Steady traffic (pings, pongs, inv) reuses the payload scratch and written frames' buffers:
  // no heap allocation per message once they exist.
  payload_scratch_.clear();
  wire::encode_payload(message, payload_scratch_);
  wire::SendOptions options;
  options.peer_version = core_->negotiated_version();
  options.peer_max_payload = core_->peer_max_recv_payload();
  wire::Bytes frame;
  if (!spare_frames_.empty()) {
    frame = std::move(spare_frames_.back());
    spare_frames_.pop_back();
  }
  auto r = wire::append_frame(frame, config_.network.magic, command, payload_scratch_, options);
  // A large payload's buffer is not kept: a quiet peer should cost little memory.
  if (payload_scratch_.capacity() > kMaxSpareBuffer) wire::Bytes().swap(payload_scratch_);
  if (!r) {
    log(spdlog::level::warn, "cannot send '{}': {}", command, r.error().message());
    emit(SendRefused{std::string(command), r.error().message()});
    return;
  }
  if (logger_->should_log(spdlog::level::trace)) {
    log(spdlog::level::trace, "send {}", describe(message));
  }
  // The core marks its own control frames (handshake, ping/pong, reject); what a user sends
  // queues behind them in the bulk lane.
  const std::size_t queued_size = frame.size();
  if (!queue_.push(std::move(frame), priority ? SendQueue::Lane::control : SendQueue::Lane::bulk)) {
    log(spdlog::level::warn, "send queue full ({} bytes); closing", queue_.bytes());
    stop(DisconnectReason::send_queue_full, "peer does not read", false);
    return;
  }
  messages_out_.fetch_add(1, std::memory_order_relaxed);
  {
    // Counted when queued, as bitcoind counts in PushMessage.
    std::lock_guard lock(traffic_mutex_);
    traffic_.add_sent(command, queued_size);
  }
  note_queue();
  writer_wake_.cancel();
}

asio::awaitable<void> PeerConnection::write_loop() {
  std::vector<wire::Bytes> batch;
  std::vector<asio::const_buffer> buffers;
  for (;;) {
    if (stopping_) co_return;
    if (queue_.empty()) {
      if (closing_) {
        stop(stop_reason_.value_or(DisconnectReason::local_request), stop_detail_, false);
        co_return;
      }
      writer_wake_.expires_at(TimePoint::max());
      co_await writer_wake_.async_wait(kUseTuple);
      continue;
    }
    batch.clear();
    buffers.clear();
    queue_.take_batch(batch, kMaxWriteBatch);
    note_queue();
    for (const auto& frame : batch)
      buffers.emplace_back(asio::buffer(frame));
    auto [ec, n] = co_await asio::async_write(socket_, buffers, kUseTuple);
    if (ec) {
      if (ec != asio::error::operation_aborted) {
        stop(DisconnectReason::network_error, ec.message(), false);
      }
      co_return;
    }
    bytes_out_.fetch_add(n, std::memory_order_relaxed);
    for (auto& frame : batch) {
      if (spare_frames_.size() >= kMaxSpareFrames) break;
      if (frame.capacity() > kMaxSpareBuffer) continue;
      frame.clear();
      spare_frames_.push_back(std::move(frame));
    }
    last_send_time_.store(unix_seconds(), std::memory_order_relaxed);
    if (core_) core_->on_bytes_sent(Clock::now());
    if (!queue_.above_high_watermark()) reader_wake_.cancel();
  }
}

asio::awaitable<void> PeerConnection::timer_loop() {
  while (!stopping_) {
    auto [ec] = co_await core_timer_.async_wait(kUseTuple);
    if (stopping_) co_return;
    const TimePoint now = Clock::now();
    if (closing_) {
      if (!ec && now >= core_timer_.expiry()) {
        stop(stop_reason_.value_or(DisconnectReason::local_request), "close linger expired", false);
        co_return;
      }
      continue;
    }
    if (now >= core_->next_deadline()) {
      core_->on_timer(now, actions_);
      execute_actions();
    } else {
      rearm_timer();
    }
  }
}

void PeerConnection::rearm_timer() {
  if (!core_ || stopping_ || closing_) return;
  const TimePoint deadline = core_->next_deadline();
  // Only pull the timer earlier: a later deadline is handled when the early one fires.
  if (deadline < core_timer_.expiry() || core_timer_.expiry() <= Clock::now()) {
    core_timer_.expires_at(deadline);
  }
}

void PeerConnection::stop(DisconnectReason reason, std::string detail, bool flush) {
  if (!stop_reason_) {
    stop_reason_ = reason;
    stop_detail_ = std::move(detail);
    // The one line of a connection's end. Peer faults and failed dials or handshakes are
    // warnings; network trouble and our own decisions are routine.
    const bool ours = !failure_kind_of(reason).has_value();
    const bool failed_to_connect = reason == DisconnectReason::connect_failed ||
                                   reason == DisconnectReason::connect_timeout ||
                                   reason == DisconnectReason::handshake_timeout;
    log((is_failure(reason) || ours) && !failed_to_connect ? spdlog::level::info
                                                           : spdlog::level::warn,
        "closing: {} ({})", to_string(reason), stop_detail_);
  }
  if (core_ && core_->state() != ConnectionState::closed) {
    Actions ignored;
    core_->disconnect(reason, stop_detail_, ignored);
  }
  if (flush && !queue_.empty() && !stopping_) {
    // Polite close: the writer drains the queue, bounded by the linger deadline.
    closing_ = true;
    core_timer_.expires_after(config_.close_linger);
    return;
  }
  stopping_ = true;
  discard_unread();
  boost::system::error_code ignored;
  socket_.cancel(ignored);
  socket_.close(ignored);
  core_timer_.cancel();
  writer_wake_.cancel();
  reader_wake_.cancel();
}

// Closing a socket with unread input makes the kernel send RST instead of FIN, so a peer
// whose last message (a pong, say) arrived just before our close would see a reset, not our
// orderly close. What is already here is read and dropped first; bounded (256 KiB) so a
// flooding peer still gets its reset.
void PeerConnection::discard_unread() {
  if (!socket_.is_open()) return;
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  std::array<char, 4096> scratch;
  for (int i = 0; i < 64 && !ec; ++i) {
    if (socket_.read_some(asio::buffer(scratch), ec) == 0) break;
  }
}

}  // namespace bsvpeer::conn
