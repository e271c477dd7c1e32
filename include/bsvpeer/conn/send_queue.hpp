#pragma once
// Bounded outgoing frame queue with two lanes. Control frames (handshake, ping, pong) overtake
// bulk frames that have not started to be written, so keep-alives never wait behind a backlog.
// Bulk frames are bounded in bytes: a peer that does not read cannot make us buffer without
// limit (the connection pauses reading above the high watermark and gives up at the maximum).
#include <bsvpeer/wire/bytes.hpp>

#include <cstddef>
#include <vector>

namespace bsvpeer::conn {

struct SendQueueLimits {
  std::size_t max_bulk_bytes = 32u << 20;       // above this a bulk push is refused
  std::size_t high_watermark_bytes = 8u << 20;  // above this the connection stops reading
  // Control frames are small and the reader stops decoding above the high watermark, so this
  // bound is only reached by a bug; a burst of pings is answered, not punished.
  std::size_t max_control_bytes = 16u << 20;
};

class SendQueue {
 public:
  enum class Lane { control, bulk };

  explicit SendQueue(SendQueueLimits limits = {}) : limits_(limits) {}

  // False when the lane is full; the frame is not queued.
  bool push(wire::Bytes frame, Lane lane);
  // Moves whole frames into `out` (control lane first) until `max_batch_bytes` is reached;
  // at least one frame when not empty, so a frame larger than the batch still goes out.
  void take_batch(std::vector<wire::Bytes>& out, std::size_t max_batch_bytes);

  bool empty() const noexcept { return control_.empty() && bulk_.empty(); }
  std::size_t bytes() const noexcept { return bytes_; }
  std::size_t frames() const noexcept { return control_.size() + bulk_.size(); }
  bool above_high_watermark() const noexcept { return bytes_ > limits_.high_watermark_bytes; }
  void set_limits(const SendQueueLimits& limits) noexcept { limits_ = limits; }
  void clear() noexcept;

 private:
  // A FIFO on a vector: nothing is allocated until a frame is queued, and the capacity is
  // reused afterwards (a std::deque allocates blocks up front and per 21 frames).
  struct Fifo {
    std::vector<wire::Bytes> items;
    std::size_t head = 0;
    bool empty() const noexcept { return head == items.size(); }
    std::size_t size() const noexcept { return items.size() - head; }
    wire::Bytes& front() noexcept { return items[head]; }
    void pop_front();
    void clear() noexcept;
  };

  SendQueueLimits limits_;
  Fifo control_;
  Fifo bulk_;
  std::size_t bytes_ = 0;
  std::size_t bulk_bytes_ = 0;
  std::size_t control_bytes_ = 0;
};

}  // namespace bsvpeer::conn
