#include <bsvpeer/conn/send_queue.hpp>

namespace bsvpeer::conn {

bool SendQueue::push(wire::Bytes frame, Lane lane) {
  if (lane == Lane::control) {
    if (control_bytes_ + frame.size() > limits_.max_control_bytes) return false;
    bytes_ += frame.size();
    control_bytes_ += frame.size();
    control_.items.push_back(std::move(frame));
    return true;
  }
  if (bulk_bytes_ + frame.size() > limits_.max_bulk_bytes) return false;
  bytes_ += frame.size();
  bulk_bytes_ += frame.size();
  bulk_.items.push_back(std::move(frame));
  return true;
}

void SendQueue::take_batch(std::vector<wire::Bytes>& out, std::size_t max_batch_bytes) {
  std::size_t batch = 0;
  auto drain = [&](Fifo& lane, bool is_bulk) {
    while (!lane.empty() && (batch == 0 || batch + lane.front().size() <= max_batch_bytes)) {
      const std::size_t n = lane.front().size();
      batch += n;
      bytes_ -= n;
      (is_bulk ? bulk_bytes_ : control_bytes_) -= n;
      out.push_back(std::move(lane.front()));
      lane.pop_front();
    }
  };
  drain(control_, false);
  drain(bulk_, true);
}

void SendQueue::Fifo::pop_front() {
  items[head] = wire::Bytes();
  ++head;
  if (head == items.size()) {
    items.clear();  // the capacity stays: no allocation for the next frames
    head = 0;
  } else if (head >= 64 && head * 2 >= items.size()) {
    // A lane that never drains completely: drop the taken prefix now and then.
    items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(head));
    head = 0;
  }
}

void SendQueue::Fifo::clear() noexcept {
  items.clear();
  head = 0;
}

void SendQueue::clear() noexcept {
  control_.clear();
  bulk_.clear();
  bytes_ = 0;
  bulk_bytes_ = 0;
  control_bytes_ = 0;
}

}  // namespace bsvpeer::conn
