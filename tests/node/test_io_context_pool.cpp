#include <bsvpeer/node/io_context_pool.hpp>

#include <boost/asio/post.hpp>
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace bsvpeer::node;
namespace asio = boost::asio;

TEST_CASE("IoContextPool: one thread per context, executors handed out in turn") {
  CHECK_THROWS_AS(IoContextPool(0), std::invalid_argument);

  IoContextPool pool(3);
  CHECK(pool.size() == 3);
  CHECK_FALSE(pool.running_in_this_thread());
  pool.start();

  // Six executors in turn: each context twice, in order.
  std::vector<asio::any_io_executor> executors;
  for (int i = 0; i < 6; ++i)
    executors.push_back(pool.next_executor());
  for (std::size_t i = 0; i < 6; ++i) {
    CHECK(executors[i] == asio::any_io_executor(pool.context(i % 3).get_executor()));
  }

  // Every handler of one context runs on that context's one thread; three contexts, three
  // threads, none of them the caller's.
  std::mutex m;
  std::set<std::thread::id> threads_of[3];
  std::atomic<int> in_pool{0};
  std::vector<std::future<void>> done;
  for (int round = 0; round < 50; ++round) {
    for (std::size_t i = 0; i < 3; ++i) {
      auto p = std::make_shared<std::promise<void>>();
      done.push_back(p->get_future());
      asio::post(pool.context(i), [&, i, p] {
        if (pool.running_in_this_thread()) ++in_pool;
        std::lock_guard lock(m);
        threads_of[i].insert(std::this_thread::get_id());
        p->set_value();
      });
    }
  }
  for (auto& f : done)
    REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(in_pool == 150);
  std::set<std::thread::id> all;
  for (const auto& ids : threads_of) {
    CHECK(ids.size() == 1);
    all.insert(ids.begin(), ids.end());
  }
  CHECK(all.size() == 3);
  CHECK(all.count(std::this_thread::get_id()) == 0);
}

TEST_CASE("IoContextPool: release lets pending work finish, stop does not wait for it") {
  SUBCASE("release: queued handlers run, then the threads return") {
    IoContextPool pool(2);
    pool.start();
    std::atomic<int> ran{0};
    for (int i = 0; i < 100; ++i)
      asio::post(pool.next_executor(), [&] { ++ran; });
    pool.release();
    pool.join();
    CHECK(ran == 100);
  }
  SUBCASE("stop: threads return although a handler keeps re-posting itself") {
    IoContextPool pool(2);
    pool.start();
    std::atomic<bool> spinning{false};
    std::function<void()> again = [&] {
      spinning = true;
      asio::post(pool.context(0), again);
    };
    asio::post(pool.context(0), again);
    while (!spinning)
      std::this_thread::yield();
    pool.stop();
    pool.join();
    CHECK(pool.context(0).stopped());
  }
  SUBCASE("destroyed without start: nothing to join") {
    IoContextPool pool(4);
    std::atomic<int> ran{0};
    asio::post(pool.next_executor(), [&] { ++ran; });
    CHECK(ran == 0);
  }
}
