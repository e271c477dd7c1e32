#pragma once
// Io contexts each run by one thread of their own: the executors the Manager gives its
// connections, one per connection in turn. A connection's handlers then never run concurrently
// without a strand, and its reads, writes and timers complete on the thread that started them:
// no hand-off between threads on a connection's per-message path (a shared io_context run by
// several threads passes each completion to whichever thread is free).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace bsvpeer::node {

class IoContextPool {
 public:
  // `size` contexts (at least 1), not yet running: start() runs them.
  explicit IoContextPool(std::size_t size);
  // stop() and join(). Destroyed from one of its own threads (the last owner let go inside a
  // handler), that thread is detached and its context left to the process's end.
  ~IoContextPool();
  IoContextPool(const IoContextPool&) = delete;
  IoContextPool& operator=(const IoContextPool&) = delete;

  // One thread per context; each keeps running until stop() or release().
  void start();
  // Lets each thread return once its context has no more work (graceful: pending handlers run).
  void release();
  // Stops every context now: handlers not yet run are dropped when the pool is destroyed.
  void stop();
  // Waits for the threads (after release() or stop()). Not from a pool thread.
  void join();

  std::size_t size() const noexcept { return contexts_.size(); }
  boost::asio::io_context& context(std::size_t index) { return *contexts_.at(index).context; }
  // The contexts' executors in turn (any thread): where the next connection runs.
  boost::asio::any_io_executor next_executor() noexcept;
  // True on one of the pool's threads.
  bool running_in_this_thread() const noexcept;

 private:
  struct Slot {
    std::unique_ptr<boost::asio::io_context> context;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
    std::thread thread;
  };
  std::vector<Slot> contexts_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace bsvpeer::node
