#pragma once
// Collects ConnectionEvents from any strand and lets a test wait, with a generous bound, until
// a condition holds. The bound only stops a broken test from hanging; nothing asserts timing.
#include <bsvpeer/conn/connection_event.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

namespace bsvpeer::test {

class EventLog {
 public:
  conn::EventHandler handler() {
    return [this](const conn::ConnectionEvent& e) {
      std::lock_guard lock(mutex_);
      events_.push_back(e);
      cv_.notify_all();
    };
  }

  // True when `pred` held within `bound`.
  bool wait_until(const std::function<bool(const std::vector<conn::ConnectionEvent>&)>& pred,
                  std::chrono::milliseconds bound = std::chrono::seconds(20)) {
    // Re-checked on every event and at least every 10 ms, since a predicate may also read
    // figures that change without an event (RTTs, byte counts).
    const auto until = std::chrono::steady_clock::now() + bound;
    std::unique_lock lock(mutex_);
    while (!pred(events_)) {
      if (std::chrono::steady_clock::now() >= until) return false;
      cv_.wait_for(lock, std::chrono::milliseconds(10));
    }
    return true;
  }

  std::vector<conn::ConnectionEvent> snapshot() const {
    std::lock_guard lock(mutex_);
    return events_;
  }

  template <class T>
  std::size_t count(std::uint64_t peer_id) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& e : events_) {
      if (e.peer.id == peer_id && std::holds_alternative<T>(e.body)) ++n;
    }
    return n;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<conn::ConnectionEvent> events_;
};

// Predicates over the event list.
inline bool reached_state(const std::vector<conn::ConnectionEvent>& events, std::uint64_t id,
                          conn::PeerState state) {
  for (const auto& e : events) {
    if (e.peer.id != id) continue;
    if (auto* s = std::get_if<conn::StateChanged>(&e.body); s && s->to == state) return true;
  }
  return false;
}

inline std::optional<conn::StateChanged> final_state(
    const std::vector<conn::ConnectionEvent>& events, std::uint64_t id) {
  std::optional<conn::StateChanged> last;
  for (const auto& e : events) {
    if (e.peer.id != id) continue;
    if (auto* s = std::get_if<conn::StateChanged>(&e.body)) {
      if (s->to == conn::PeerState::rejected || s->to == conn::PeerState::failed) last = *s;
    }
  }
  return last;
}

// The bodies of type T among one peer's events, in order.
template <class T>
std::vector<T> events_of(const std::vector<conn::ConnectionEvent>& events, std::uint64_t id) {
  std::vector<T> out;
  for (const auto& e : events) {
    if (e.peer.id != id) continue;
    if (auto* body = std::get_if<T>(&e.body)) out.push_back(*body);
  }
  return out;
}

template <class M>
std::size_t received(const std::vector<conn::ConnectionEvent>& events, std::uint64_t id) {
  std::size_t n = 0;
  for (const auto& e : events) {
    if (e.peer.id != id) continue;
    if (auto* m = std::get_if<conn::MessageReceived>(&e.body);
        m && std::holds_alternative<M>(m->message)) {
      ++n;
    }
  }
  return n;
}

}  // namespace bsvpeer::test
