#include "peer_connection_detail.hpp"

#include <bsvpeer/wire/frame.hpp>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>

namespace bsvpeer::conn {

namespace asio = boost::asio;
using namespace detail;

namespace {

// One read buffer per io thread, lent to the connection reading on it for the time of one
// read and its decoding (no suspension in between): an idle connection holds no read buffer,
// only the decoder's partial frame. A handler that runs another connection's reader inline
// on this thread finds the buffer lent and reads into a small one of its own.
constexpr std::size_t kThreadReadBuffer = 64 * 1024;
constexpr std::size_t kNestedReadBuffer = 4 * 1024;
// Reads in a row without waiting before the reader lets the thread's other handlers run.
constexpr int kReadsBeforeYield = 16;
// While paused by backpressure: how often the socket is drained into the unread input.
constexpr auto kPausedDrainInterval = std::chrono::milliseconds(50);
// Above this, the decoder's payload buffer is released once its frame is handled.
constexpr std::size_t kMaxKeptPayload = 64 * 1024;

struct ThreadReadBuffer {
  std::unique_ptr<std::uint8_t[]> data;
  bool lent = false;
};
thread_local ThreadReadBuffer t_read_buffer;

class ReadBufferLease {
 public:
  ReadBufferLease() {
    auto& t = t_read_buffer;
    if (!t.lent) {
      if (!t.data) t.data = std::make_unique_for_overwrite<std::uint8_t[]>(kThreadReadBuffer);
      t.lent = true;
      data_ = t.data.get();
      size_ = kThreadReadBuffer;
    } else {
      own_ = std::make_unique_for_overwrite<std::uint8_t[]>(kNestedReadBuffer);
      data_ = own_.get();
      size_ = kNestedReadBuffer;
    }
  }
  ~ReadBufferLease() {
    if (!own_) t_read_buffer.lent = false;
  }
  ReadBufferLease(const ReadBufferLease&) = delete;
  ReadBufferLease& operator=(const ReadBufferLease&) = delete;

  asio::mutable_buffer buffer() const noexcept { return {data_, size_}; }
  std::uint8_t* data() const noexcept { return data_; }

 private:
  std::unique_ptr<std::uint8_t[]> own_;
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace

// The socket is non-blocking (session()): read what is there into the thread's buffer, decode
// it at once, and wait for readability only when the socket is empty, as async_read_some
// would, without a buffer per connection held across the wait.
asio::awaitable<void> PeerConnection::read_loop() {
  bool wait_first = false;
  int reads_in_a_row = 0;
  while (!stopping_) {
    if (closing_) {
      // Returning would end the session before the queue is flushed; the final stop() wakes
      // us.
      reader_wake_.expires_at(TimePoint::max());
      co_await reader_wake_.async_wait(kUseTuple);
      continue;
    }
    if (queue_.above_high_watermark()) {
      // Backpressure, as SV pauses processing a peer whose send buffer is full: what this peer
      // asked for must be written before we decode more of what it sent. What it sends is
      // still taken, undecoded and bounded, as SV keeps receiving up to its flood limit:
      // a peer waiting for us to read before it reads again (two nodes sending bulk to each
      // other) must be able to write, or both stop for good. The writer's progress below the
      // watermark wakes us; meanwhile the socket is drained every kPausedDrainInterval.
      execute_actions();
      if (stopping_ || !queue_.above_high_watermark()) continue;
      if (!drain_while_paused()) co_return;
      reader_paused_ = true;
      reader_wake_.expires_after(kPausedDrainInterval);
      co_await reader_wake_.async_wait(kUseTuple);
      reader_paused_ = false;
      continue;
    }
    if (!unread_.empty()) {
      // What was read before the pause, decoded before reading more.
      wire::ByteSpan input(unread_);
      const bool done = decode_input(input);
      execute_actions();
      if (done) {
        wire::Bytes().swap(unread_);
      } else {
        unread_.erase(unread_.begin(),
                      unread_.begin() + static_cast<std::ptrdiff_t>(unread_.size() - input.size()));
      }
      continue;
    }
    if (wait_first) {
      auto [ec] = co_await socket_.async_wait(tcp::socket::wait_read, kUseTuple);
      if (ec) {
        if (ec != asio::error::operation_aborted) {
          stop(DisconnectReason::network_error, ec.message(), false);
        }
        co_return;
      }
      wait_first = false;
      reads_in_a_row = 0;
    } else if (++reads_in_a_row > kReadsBeforeYield) {
      // A peer that keeps the socket full must not keep the other connections of this
      // thread waiting.
      co_await asio::post(strand_, asio::use_awaitable);
      reads_in_a_row = 0;
      continue;
    }
    boost::system::error_code ec;
    {
      ReadBufferLease lease;  // no co_await until it is returned
      const std::size_t n = socket_.read_some(lease.buffer(), ec);
      if (!ec) {
        note_received(n);
        wire::ByteSpan input(lease.data(), n);
        if (!decode_input(input)) unread_.assign(input.begin(), input.end());
        execute_actions();
      }
    }
    if (!ec) continue;
    if (!socket_merely_empty(ec)) co_return;
    wait_first = true;
  }
}

bool PeerConnection::drain_while_paused() {
  const std::size_t bound = config_->send_queue.high_watermark_bytes;
  while (unread_.size() < bound) {
    boost::system::error_code ec;
    ReadBufferLease lease;
    const std::size_t want = std::min(lease.buffer().size(), bound - unread_.size());
    const std::size_t n = socket_.read_some(asio::buffer(lease.data(), want), ec);
    if (!ec) {
      note_received(n);
      unread_.insert(unread_.end(), lease.data(), lease.data() + n);
      continue;
    }
    return socket_merely_empty(ec);
  }
  return true;
}

bool PeerConnection::socket_merely_empty(const boost::system::error_code& ec) {
  if (ec == asio::error::would_block || ec == asio::error::try_again) return true;
  if (ec == asio::error::eof) {
    stop(DisconnectReason::peer_closed, "peer closed the connection", false);
  } else if (ec != asio::error::operation_aborted) {
    stop(DisconnectReason::network_error, ec.message(), false);
  }
  return false;
}

void PeerConnection::note_received(std::size_t n) {
  bytes_in_.fetch_add(n, std::memory_order_relaxed);
  const auto now_s = unix_seconds();
  last_receive_time_.store(now_s, std::memory_order_relaxed);
  receive_minutes_.add(now_s / 60, n);
  receive_seconds_.add(now_s, n);
  core_->on_bytes_received(Clock::now());
}

bool PeerConnection::decode_input(wire::ByteSpan& input) {
  while (!stopping_ && core_->state() != ConnectionState::closed) {
    if (!input.empty() && queue_.above_high_watermark()) return false;
    auto outcome = decoder_->next(input);
    if (outcome.kind == wire::FrameDecoder::Kind::need_more) break;
    handle_outcome(outcome);
    // A fatal frame stays fatal on every later call: stop decoding this stream.
    if (outcome.kind == wire::FrameDecoder::Kind::fatal) break;
  }
  return true;
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

void PeerConnection::handle_frame() {
  messages_in_.fetch_add(1, std::memory_order_relaxed);
  count_received(decoder_->header());
  const auto& command = decoder_->header().command;
  const TimePoint now = Clock::now();
  auto& payload = decoder_->payload();
  // An unknown command's payload is handed over, not copied (it may be megabytes).
  auto message = wire::is_known_command(command)
                     ? wire::decode_payload(command, payload)
                     : wire::Result<wire::Message>(
                           wire::Message{wire::UnknownMessage{command, std::move(payload)}});
  // A large payload's buffer is not kept: a quiet peer should cost little memory.
  if (payload.capacity() > kMaxKeptPayload) wire::Bytes().swap(payload);
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

// Closing a socket with unread input makes the kernel send RST instead of FIN, so a peer
// whose last message (a pong, say) arrived just before our close would see a reset, not our
// orderly close. What is already here is read and dropped first; bounded (256 KiB) so a
// flooding peer still gets its reset.
void PeerConnection::discard_unread() {
  if (!socket_.is_open()) return;
  boost::system::error_code ec;
  // session() made it non-blocking already (asio remembers, so asking costs no system call).
  if (!socket_.non_blocking()) socket_.non_blocking(true, ec);
  std::array<char, 4096> scratch;
  for (int i = 0; i < 64 && !ec; ++i) {
    if (socket_.read_some(asio::buffer(scratch), ec) == 0) break;
  }
}

}  // namespace bsvpeer::conn
