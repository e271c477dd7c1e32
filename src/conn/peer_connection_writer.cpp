#include "peer_connection_detail.hpp"

#include <bsvpeer/wire/frame.hpp>

#include <boost/asio/write.hpp>

namespace bsvpeer::conn {

namespace asio = boost::asio;
using namespace detail;

void PeerConnection::note_queue() noexcept {
  send_queue_bytes_.store(queue_.bytes(), std::memory_order_relaxed);
  send_paused_.store(queue_.above_high_watermark(), std::memory_order_relaxed);
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
  auto r = wire::append_frame(frame, config_->network.magic, command, payload_scratch_, options);
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
  // No wake-up here: whoever ran the core calls flush_now() once its actions are done, so a
  // burst of frames leaves in one write.
}

void PeerConnection::take_batch() {
  out_batch_.clear();
  queue_.take_batch(out_batch_, kMaxWriteBatch);
  note_queue();
  out_total_ = 0;
  out_written_ = 0;
  for (const auto& frame : out_batch_)
    out_total_ += frame.size();
}

void PeerConnection::remaining_buffers() {
  out_buffers_.clear();
  std::size_t skip = out_written_;
  for (const auto& frame : out_batch_) {
    if (skip >= frame.size()) {
      skip -= frame.size();
      continue;
    }
    out_buffers_.emplace_back(frame.data() + skip, frame.size() - skip);
    skip = 0;
  }
}

void PeerConnection::on_written(std::size_t n) {
  bytes_out_.fetch_add(n, std::memory_order_relaxed);
  out_written_ += n;
  if (out_written_ >= out_total_) {
    for (auto& frame : out_batch_) {
      if (spare_frames_.size() >= kMaxSpareFrames) break;
      if (frame.capacity() > kMaxSpareBuffer) continue;
      frame.clear();
      spare_frames_.push_back(std::move(frame));
    }
    out_batch_.clear();
    out_total_ = 0;
    out_written_ = 0;
  }
  last_send_time_.store(unix_seconds(), std::memory_order_relaxed);
  if (core_) core_->on_bytes_sent(Clock::now());
  if (reader_paused_ && !queue_.above_high_watermark()) reader_wake_.cancel();
}

// A pong (or a verack) is written by the handler that produced it: handing it to another
// handler costs a hand-off per message, often to the other io thread. The socket is
// non-blocking; what it does not take now is written by an asynchronous write, whose
// completion comes back here.
void PeerConnection::flush_now() {
  if (stopping_ || writing_) return;  // a write in flight takes the queue when it completes
  while (output_pending()) {
    if (out_written_ >= out_total_) take_batch();
    remaining_buffers();
    boost::system::error_code ec;
    const std::size_t n = socket_.write_some(out_buffers_, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec) {
      stop(DisconnectReason::network_error, ec.message(), false);
      return;
    }
    on_written(n);
    if (out_written_ != 0) break;  // the kernel took part of it: its buffer is full
  }
  if (output_pending()) {
    write_when_writable();
    return;
  }
  // A polite close whose last frames are now written.
  if (closing_) stop(stop_reason_.value_or(DisconnectReason::local_request), stop_detail_, false);
}

// A plain completion handler, not a coroutine: a connection whose peer reads holds no writer
// state at all. The handler runs on the socket's executor (the actor's strand, as no other is
// bound), and a handler of an ended session (its socket closed, a restart begun) does nothing.
void PeerConnection::write_when_writable() {
  if (out_written_ >= out_total_) take_batch();
  remaining_buffers();
  writing_ = true;
  asio::async_write(socket_, out_buffers_,
                    [self = shared_from_this(), session = session_](
                        const boost::system::error_code& ec, std::size_t n) {
                      if (session != self->session_) return;
                      self->writing_ = false;
                      if (self->stopping_) return;
                      if (ec) {
                        if (ec != asio::error::operation_aborted) {
                          self->stop(DisconnectReason::network_error, ec.message(), false);
                        }
                        return;
                      }
                      self->on_written(n);
                      self->flush_now();
                    });
}

}  // namespace bsvpeer::conn
