#pragma once
// An io_context run by N threads for the life of the object (joined on destruction).
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <thread>
#include <vector>

namespace bsvpeer::test {

class IoRunner {
 public:
  explicit IoRunner(int threads = 2) : work_(ioc_.get_executor()) {
    for (int i = 0; i < threads; ++i)
      threads_.emplace_back([this] { ioc_.run(); });
  }
  ~IoRunner() { stop(); }
  IoRunner(const IoRunner&) = delete;
  IoRunner& operator=(const IoRunner&) = delete;

  boost::asio::io_context& context() { return ioc_; }
  // Stops the loop and joins; tests end their actors first (and wait for them) so nothing
  // they care about is cut short.
  void stop() {
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
};

}  // namespace bsvpeer::test
