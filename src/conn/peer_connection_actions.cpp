#include "peer_connection_detail.hpp"

#include <bsvpeer/conn/failure_kind_of.hpp>
#include <bsvpeer/net/protocol.hpp>

namespace bsvpeer::conn {

namespace asio = boost::asio;
using namespace detail;

namespace {
// A peer's routine lines (handshake done, an orderly close): info for the peers we dial, debug
// for inbound ones, as bitcoind and SV Node keep inbound peers' comings and goings under
// -debug=net. A node taking thousands of inbound connects would otherwise write two lines per
// connect (a fifth of a churned handshake's CPU) and let a connect flood fill its log.
spdlog::level::level_enum routine_level(Direction direction) {
  return direction == Direction::outbound ? spdlog::level::info : spdlog::level::debug;
}
}  // namespace

void PeerConnection::execute_actions() {
  if (!core_) return;
  // Executing an action may not add actions (the core is not called from here), so a plain
  // index loop is safe; the vector is reused across calls.
  bool handshake_completed = false;
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
              log(routine_level(identity_.direction),
                  "handshake done: version {} services {:#x} user agent '{}' height {}",
                  a.peer_version.version, a.peer_version.services, a.peer_version.user_agent,
                  a.peer_version.start_height);
              if (restarts_) restarts_->backoff.record_success();
              set_state(PeerState::connected);
              emit(HandshakeDone{a.peer_version});
              handshake_completed = true;
            },
            [&](Deliver& a) {
              if (auto* unknown = std::get_if<wire::UnknownMessage>(&a.message)) {
                auto it = config_->unknown_command_handlers.find(unknown->command);
                if (it != config_->unknown_command_handlers.end() && it->second) {
                  it->second(*unknown);
                }
                if (auto r = config_->unknown_command_responders.find(unknown->command);
                    r != config_->unknown_command_responders.end() && r->second) {
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
  // The handshake's burst of actions (versions, verack, protoconf, events) left room for
  // several; steady traffic needs one or two, and a quiet peer none.
  if (handshake_completed) Actions().swap(actions_);
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
  flush_now();
}

// The core's deadlines (handshake, pings, inactivity) and a polite close's linger, as a plain
// handler that waits again after each expiry; rearm_timer() moving the expiry cancels the wait,
// which is then made again. Ends with the session (stop() cancels it).
void PeerConnection::wait_core_timer() {
  core_timer_.async_wait(
      [self = shared_from_this(), session = session_](const boost::system::error_code& ec) {
        if (session != self->session_ || self->stopping_) return;
        self->on_core_timer(ec);
      });
}

void PeerConnection::on_core_timer(const boost::system::error_code& ec) {
  const TimePoint now = Clock::now();
  if (closing_) {
    if (!ec && now >= core_timer_.expiry()) {
      stop(stop_reason_.value_or(DisconnectReason::local_request), "close linger expired", false);
      return;
    }
  } else if (now >= core_->next_deadline()) {
    core_->on_timer(now, actions_);
    execute_actions();
  } else {
    rearm_timer();
  }
  if (!stopping_) wait_core_timer();
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
    log((is_failure(reason) || ours) && !failed_to_connect ? routine_level(identity_.direction)
                                                           : spdlog::level::warn,
        "closing: {} ({})", to_string(reason), stop_detail_);
  }
  if (core_ && core_->state() != ConnectionState::closed) {
    Actions ignored;
    core_->disconnect(reason, stop_detail_, ignored);
  }
  if (flush && output_pending() && !stopping_) {
    // Polite close: the writer drains the queue, bounded by the linger deadline.
    closing_ = true;
    core_timer_.expires_after(config_->close_linger);
    return;
  }
  stopping_ = true;
  discard_unread();
  boost::system::error_code ignored;
  socket_.cancel(ignored);
  socket_.close(ignored);
  core_timer_.cancel();
  reader_wake_.cancel();
}

}  // namespace bsvpeer::conn
