#pragma once
// Fans NodeEvents out to any number of subscribers, each with its own bounded queue. A slow
// subscriber never slows the node or another subscriber: when its queue is full the oldest
// event is dropped and the subscriber is told how many it lost on its next poll.
#include <bsvpeer/node/node_event.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace bsvpeer::node {

enum class EventFilter { control, messages, all };

class EventHub;

class Subscription {
 public:
  struct Batch {
    std::vector<NodeEvent> events;
    std::uint64_t lost = 0;  // events dropped for this subscriber since its previous poll
  };

  // Everything queued now (may be empty).
  Batch poll();
  // Waits until at least one event is queued or `timeout` passes.
  Batch wait(std::chrono::milliseconds timeout);
  std::uint64_t total_lost() const;
  // Stops delivery; also done by the destructor of the last shared_ptr.
  void cancel();

 private:
  friend class EventHub;
  Subscription(EventFilter filter, std::size_t capacity) : filter_(filter), capacity_(capacity) {}
  // False when the queue was full and its oldest event was dropped.
  bool push(const NodeEvent& e);

  const EventFilter filter_;
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<NodeEvent> queue_;
  std::uint64_t lost_since_poll_ = 0;
  std::uint64_t lost_total_ = 0;
  bool cancelled_ = false;
};

class EventHub {
 public:
  // `observer` sees every published event first, on the publishing thread (metrics).
  explicit EventHub(std::function<void(const NodeEvent&)> observer = {})
      : observer_(std::move(observer)) {}

  std::shared_ptr<Subscription> subscribe(EventFilter filter = EventFilter::all,
                                          std::size_t capacity = 10'000);
  void publish(const NodeEvent& e);
  std::size_t subscribers() const;
  // Whether any subscriber takes message events (may stay true a little after the last one
  // went away: the count is refreshed on publish). Lets the Manager skip building them.
  bool wants_messages() const noexcept { return message_subscribers_.load() > 0; }
  // Events dropped for a full subscriber queue, over every subscriber since start.
  std::uint64_t overflows() const noexcept { return overflows_.load(); }

 private:
  const std::function<void(const NodeEvent&)> observer_;
  std::atomic<std::uint64_t> overflows_{0};
  std::atomic<std::size_t> message_subscribers_{0};
  mutable std::mutex mutex_;
  std::vector<std::weak_ptr<Subscription>> subscribers_;
};

}  // namespace bsvpeer::node
