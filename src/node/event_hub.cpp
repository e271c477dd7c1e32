#include <bsvpeer/node/event_hub.hpp>

namespace bsvpeer::node {

bool is_message_event(const NodeEvent& e) noexcept {
  return std::holds_alternative<MessageEvent>(e);
}

bool Subscription::push(const NodeEvent& e) {
  const bool message = is_message_event(e);
  if ((filter_ == EventFilter::control && message) ||
      (filter_ == EventFilter::messages && !message)) {
    return true;
  }
  bool kept_all = true;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) return true;
    if (queue_.size() >= capacity_) {
      queue_.pop_front();
      ++lost_since_poll_;
      ++lost_total_;
      kept_all = false;
    }
    queue_.push_back(e);
  }
  cv_.notify_one();
  return kept_all;
}

Subscription::Batch Subscription::poll() {
  std::lock_guard lock(mutex_);
  Batch b;
  b.events.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
  queue_.clear();
  b.lost = lost_since_poll_;
  lost_since_poll_ = 0;
  return b;
}

Subscription::Batch Subscription::wait(std::chrono::milliseconds timeout) {
  {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || cancelled_; });
  }
  return poll();
}

std::uint64_t Subscription::total_lost() const {
  std::lock_guard lock(mutex_);
  return lost_total_;
}

void Subscription::cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    queue_.clear();
  }
  cv_.notify_all();
}

std::shared_ptr<Subscription> EventHub::subscribe(EventFilter filter, std::size_t capacity) {
  std::shared_ptr<Subscription> s(new Subscription(filter, capacity == 0 ? 1 : capacity));
  std::lock_guard lock(mutex_);
  subscribers_.push_back(s);
  if (filter != EventFilter::control) message_subscribers_.fetch_add(1);
  return s;
}

void EventHub::publish(const NodeEvent& e) {
  if (observer_) observer_(e);
  std::vector<std::shared_ptr<Subscription>> live;
  {
    std::lock_guard lock(mutex_);
    std::erase_if(subscribers_, [](const auto& w) { return w.expired(); });
    live.reserve(subscribers_.size());
    std::size_t for_messages = 0;
    for (const auto& w : subscribers_) {
      if (auto s = w.lock()) {
        for_messages += s->filter_ != EventFilter::control ? 1 : 0;
        live.push_back(std::move(s));
      }
    }
    message_subscribers_.store(for_messages);
  }
  // Delivered outside the hub's lock: one subscriber's lock never blocks the list.
  for (const auto& s : live) {
    if (!s->push(e)) overflows_.fetch_add(1);
  }
}

std::size_t EventHub::subscribers() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& w : subscribers_)
    n += w.expired() ? 0 : 1;
  return n;
}

}  // namespace bsvpeer::node
