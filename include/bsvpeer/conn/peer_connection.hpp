#pragma once
// One actor per TCP connection. It lives on its own strand, owns its socket, its frame decoder,
// its send queue, its timers and the pure ConnectionCore, and reports everything through
// ConnectionEvents. Other strands talk to it only through the posted commands below.
//
// A session is one coroutine, the reader; the core's timer and the writes the socket did not
// take at once are plain completion handlers, so a quiet connection holds one coroutine frame.
// stop() cancels them all; then the socket closes, and an outbound connection lost to a network
// failure may dial again within its RestartPolicy. What a handler queues (a pong, a verack) is
// written by that handler at once when the socket takes it. The reader borrows its io thread's
// buffer for each read, so a quiet connection holds no read buffer.
#include <bsvpeer/conn/backoff.hpp>
#include <bsvpeer/conn/connection_config.hpp>
#include <bsvpeer/conn/connection_core.hpp>
#include <bsvpeer/conn/connection_event.hpp>
#include <bsvpeer/conn/message_stats.hpp>
#include <bsvpeer/conn/nonce_registry.hpp>
#include <bsvpeer/conn/peer_state.hpp>
#include <bsvpeer/conn/restart_window.hpp>
#include <bsvpeer/conn/send_queue.hpp>
#include <bsvpeer/conn/traffic_counter.hpp>
#include <bsvpeer/wire/frame_decoder.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace bsvpeer::conn {

// An executor whose handlers never run concurrently: a strand, or the executor of an io_context
// run by one thread (node::IoContextPool's). A connection given one uses it as its strand.
struct SerialExecutor {
  boost::asio::any_io_executor executor;
};

class PeerConnection : public std::enable_shared_from_this<PeerConnection> {
 public:
  using tcp = boost::asio::ip::tcp;

  // A configuration many connections share (one per kind of connection, not a copy each);
  // what the factories below make of a ConnectionConfig given by value.
  using SharedConfig = std::shared_ptr<const ConnectionConfig>;
  static SharedConfig share(ConnectionConfig config);

  // Dials `remote`. `executor` is any executor of the io_context: the connection makes its own
  // strand from it.
  static std::shared_ptr<PeerConnection> outbound(boost::asio::any_io_executor executor,
                                                  tcp::endpoint remote, ConnectionConfig config,
                                                  EventHandler on_event,
                                                  std::shared_ptr<NonceRegistry> nonces,
                                                  std::uint64_t id);
  // Dials `remote`, running on `serial` itself (no strand of its own).
  static std::shared_ptr<PeerConnection> outbound(SerialExecutor serial, tcp::endpoint remote,
                                                  ConnectionConfig config, EventHandler on_event,
                                                  std::shared_ptr<NonceRegistry> nonces,
                                                  std::uint64_t id);
  static std::shared_ptr<PeerConnection> outbound(SerialExecutor serial, tcp::endpoint remote,
                                                  SharedConfig config, EventHandler on_event,
                                                  std::shared_ptr<NonceRegistry> nonces,
                                                  std::uint64_t id);
  // Takes an accepted socket, which must have been accepted onto a strand of its own
  // (acceptor.async_accept(make_strand(ioc), ...)) or onto a SerialExecutor's executor: that
  // executor becomes the actor's.
  static std::shared_ptr<PeerConnection> inbound(tcp::socket socket, ConnectionConfig config,
                                                 EventHandler on_event,
                                                 std::shared_ptr<NonceRegistry> nonces,
                                                 std::uint64_t id);
  static std::shared_ptr<PeerConnection> inbound(tcp::socket socket, SharedConfig config,
                                                 EventHandler on_event,
                                                 std::shared_ptr<NonceRegistry> nonces,
                                                 std::uint64_t id);
  // The same, with the peer's endpoint as accept() reported it (saves a getpeername).
  static std::shared_ptr<PeerConnection> inbound(tcp::socket socket, tcp::endpoint remote,
                                                 SharedConfig config, EventHandler on_event,
                                                 std::shared_ptr<NonceRegistry> nonces,
                                                 std::uint64_t id);

  ~PeerConnection();
  PeerConnection(const PeerConnection&) = delete;
  PeerConnection& operator=(const PeerConnection&) = delete;

  // Starts the actor (once).
  void start();

  // Posted commands; safe from any thread.
  void send(wire::Message message);
  void disconnect(DisconnectReason reason = DisconnectReason::local_request);
  // Applies timers, limits and policy to the running connection (validated by the caller with
  // config_error()); the network and direction cannot change.
  void update_config(ConnectionConfig config);
  void update_config(SharedConfig config);
  // An extra ping now (like bitcoind's RPC `ping`).
  void ping();

  // Readable from any thread.
  std::uint64_t id() const noexcept { return identity_.id; }
  const tcp::endpoint& endpoint() const noexcept { return identity_.endpoint; }
  Direction direction() const noexcept { return identity_.direction; }
  const PeerIdentity& identity() const noexcept { return identity_; }
  PeerState state() const noexcept { return state_.load(std::memory_order_relaxed); }
  // True once the final state event has been delivered: no event handler call follows.
  bool finished() const noexcept { return finished_.load(std::memory_order_acquire); }
  std::uint64_t bytes_received() const noexcept {
    return bytes_in_.load(std::memory_order_relaxed);
  }
  std::uint64_t bytes_sent() const noexcept { return bytes_out_.load(std::memory_order_relaxed); }
  std::uint64_t messages_received() const noexcept {
    return messages_in_.load(std::memory_order_relaxed);
  }
  std::uint64_t messages_sent() const noexcept {
    return messages_out_.load(std::memory_order_relaxed);
  }
  // Last and minimum ping round trip in microseconds; -1 when unknown.
  std::int64_t last_ping_us() const noexcept {
    return last_ping_us_.load(std::memory_order_relaxed);
  }
  std::int64_t min_ping_us() const noexcept { return min_ping_us_.load(std::memory_order_relaxed); }
  // Messages and bytes per command so far (every session of this connection); a copy.
  MessageStats traffic() const;
  // Unix seconds of the last bytes written and read; 0 before any.
  std::int64_t last_send_time() const noexcept {
    return last_send_time_.load(std::memory_order_relaxed);
  }
  std::int64_t last_receive_time() const noexcept {
    return last_receive_time_.load(std::memory_order_relaxed);
  }
  // Bytes waiting in the send queue, and whether it is above its high watermark (reading
  // from the peer pauses until it drains).
  std::size_t send_queue_bytes() const noexcept {
    return send_queue_bytes_.load(std::memory_order_relaxed);
  }
  bool send_paused() const noexcept { return send_paused_.load(std::memory_order_relaxed); }
  // Bytes received in the last complete minute / second, per second.
  std::uint64_t receive_rate_minute() const noexcept;
  std::uint64_t receive_rate_second() const noexcept;
  // The current session's ban score (getpeerinfo's banscore); 0 again after a restart.
  int misbehaviour_score() const noexcept { return misbehaviour_.load(std::memory_order_relaxed); }

 private:
  struct Private {};

 public:
  PeerConnection(Private, boost::asio::any_io_executor strand, tcp::socket socket,
                 PeerIdentity identity, SharedConfig config, EventHandler on_event,
                 std::shared_ptr<NonceRegistry> nonces);

 private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<std::optional<DisconnectReason>> connect();
  boost::asio::awaitable<void> session();
  boost::asio::awaitable<void> read_loop();
  void wait_core_timer();
  void on_core_timer(const boost::system::error_code& ec);

  // Decodes `input` (advancing it) and handles what it holds; false when it stopped early
  // because the send queue is above its high watermark (the rest is still in `input`).
  bool decode_input(wire::ByteSpan& input);
  // Paused by backpressure: reads what the socket holds into unread_, up to the high
  // watermark, without decoding it; false when the connection ended (stop() was called).
  bool drain_while_paused();
  // A failed non-blocking read: true when the socket is merely empty (wait, read again);
  // otherwise the connection is stopped with the reason (peer closed, network error).
  bool socket_merely_empty(const boost::system::error_code& ec);
  void note_received(std::size_t n);
  void handle_outcome(wire::FrameDecoder::Outcome outcome);
  void handle_frame();
  void count_received(const wire::FrameHeader& header);
  void execute_actions();
  void enqueue(const wire::Message& message, bool priority);
  // Writes what is queued now, from the calling handler, as far as the socket takes it; the
  // rest to write_when_writable().
  void flush_now();
  // Writes the rest of the queue asynchronously (the socket did not take it at once).
  void write_when_writable();
  bool output_pending() const noexcept { return out_written_ < out_total_ || !queue_.empty(); }
  void take_batch();
  void remaining_buffers();
  void on_written(std::size_t n);
  void stop(DisconnectReason reason, std::string detail, bool flush);
  void discard_unread();
  void rearm_timer();
  void set_state(PeerState to, std::optional<DisconnectReason> reason = {},
                 std::string detail = {});
  void emit(decltype(ConnectionEvent::body) body);
  void finish(PeerState final_state, DisconnectReason reason);
  wire::Version make_our_version();
  void set_session_policy();
  void reset_session();

  template <class... Args>
  void log(spdlog::level::level_enum level, fmt::format_string<Args...> fmt, Args&&... args);

  boost::asio::any_io_executor strand_;
  tcp::socket socket_;
  PeerIdentity identity_;
  SharedConfig config_;  // never null; replaced by update_config, never changed in place
  // config_->policy as the core takes it (our protoconf announcing our receive limit): shares
  // config_'s storage when share() prepared it.
  std::shared_ptr<const ConnectionPolicy> session_policy_;
  EventHandler on_event_;
  std::shared_ptr<NonceRegistry> nonces_;
  std::shared_ptr<spdlog::logger> logger_;
  std::string log_prefix_;

  // Session state, reset for every (re)connection; touched only on the strand.
  std::optional<ConnectionCore> core_;
  std::optional<wire::FrameDecoder> decoder_;
  Actions actions_;
  SendQueue queue_;
  wire::Bytes payload_scratch_;            // enqueue() encodes into it
  std::vector<wire::Bytes> spare_frames_;  // written frames' buffers, reused by enqueue()
  boost::asio::steady_timer core_timer_;   // armed at core_->next_deadline()
  boost::asio::steady_timer reader_wake_;  // the reader sleeps on it above the high watermark
  // The batch being written (by flush_now() or the writer), and how much of it is written.
  std::vector<wire::Bytes> out_batch_;
  std::vector<boost::asio::const_buffer> out_buffers_;
  std::size_t out_total_ = 0;
  std::size_t out_written_ = 0;
  bool writing_ = false;        // an asynchronous write is in flight
  std::uint64_t session_ = 0;   // counts sessions: a handler of an ended one does nothing
  bool reader_paused_ = false;  // the reader waits on reader_wake_ (backpressure)
  // Input read but not yet decoded when backpressure paused the reader (empty otherwise: the
  // reader borrows its thread's buffer, so an idle connection holds no read buffer).
  wire::Bytes unread_;
  std::uint64_t our_nonce_ = 0;
  bool stopping_ = false;   // this session is ending
  bool closing_ = false;    // flush the queue, then close (polite close)
  bool user_stop_ = false;  // disconnect() was requested: no restart
  std::optional<DisconnectReason> stop_reason_;
  std::string stop_detail_;
  bool streaming_ = false;  // inside a streamed payload
  bool stream_admitted_ = false;
  // Outbound only, so on the heap: an inbound connection does not carry it.
  struct Restarts {
    RestartWindow window;
    Backoff backoff;
  };
  std::unique_ptr<Restarts> restarts_;

  std::atomic<PeerState> state_{PeerState::disconnected};
  std::atomic<bool> finished_{false};
  std::atomic<std::uint64_t> bytes_in_{0}, bytes_out_{0}, messages_in_{0}, messages_out_{0};
  std::atomic<std::int64_t> last_ping_us_{-1}, min_ping_us_{-1};
  std::atomic<std::int64_t> last_send_time_{0}, last_receive_time_{0};
  // Written on the strand; the mutex is for traffic() from other threads (uncontended).
  mutable std::mutex traffic_mutex_;
  TrafficCounter traffic_;
  std::atomic<std::size_t> send_queue_bytes_{0};
  std::atomic<bool> send_paused_{false};
  // Bytes per time bucket (written on the strand): the current bucket and the one before.
  struct RateWindow {
    std::atomic<std::int64_t> bucket{-1};
    std::atomic<std::uint64_t> current{0}, previous{0};
    void add(std::int64_t now_bucket, std::uint64_t n) noexcept;
    std::uint64_t last_complete(std::int64_t now_bucket) const noexcept;
  };
  RateWindow receive_minutes_, receive_seconds_;
  void note_queue() noexcept;
  std::atomic<int> misbehaviour_{0};
  bool started_ = false;
};

}  // namespace bsvpeer::conn
