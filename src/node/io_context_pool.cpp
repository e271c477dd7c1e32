#include <bsvpeer/node/io_context_pool.hpp>

#include <boost/asio/steady_timer.hpp>

#include <stdexcept>

namespace bsvpeer::node {

namespace asio = boost::asio;

IoContextPool::IoContextPool(std::size_t size) {
  if (size == 0) throw std::invalid_argument("IoContextPool: size must be at least 1");
  contexts_.resize(size);
  for (auto& slot : contexts_) {
    // Hint 1: each context is run by exactly one thread (asio skips waking other threads).
    slot.context = std::make_unique<asio::io_context>(1);
    slot.work.emplace(slot.context->get_executor());
    // A timer brings up the context's reactor (epoll, eventfd and timerfd descriptors) now
    // rather than at its first connection: the process's descriptor count is settled at start.
    asio::steady_timer reactor_now(*slot.context);
  }
}

IoContextPool::~IoContextPool() {
  stop();
  for (auto& slot : contexts_) {
    if (!slot.thread.joinable()) continue;
    if (slot.thread.get_id() == std::this_thread::get_id()) {
      // The last owner let go inside a handler of this very context: destroying a context from
      // its own run() is undefined, so it is left to the process's end instead.
      slot.thread.detach();
      (void)slot.context.release();
    } else {
      slot.thread.join();
    }
  }
}

void IoContextPool::start() {
  for (auto& slot : contexts_) {
    if (slot.thread.joinable()) continue;
    slot.thread = std::thread([context = slot.context.get()] { context->run(); });
  }
}

void IoContextPool::release() {
  for (auto& slot : contexts_)
    slot.work.reset();
}

void IoContextPool::stop() {
  for (auto& slot : contexts_) {
    slot.work.reset();
    slot.context->stop();
  }
}

void IoContextPool::join() {
  for (auto& slot : contexts_) {
    if (slot.thread.joinable() && slot.thread.get_id() != std::this_thread::get_id()) {
      slot.thread.join();
    }
  }
}

asio::any_io_executor IoContextPool::next_executor() noexcept {
  const std::size_t i = next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size();
  return contexts_[i].context->get_executor();
}

bool IoContextPool::running_in_this_thread() const noexcept {
  for (const auto& slot : contexts_) {
    if (slot.context->get_executor().running_in_this_thread()) return true;
  }
  return false;
}

}  // namespace bsvpeer::node
