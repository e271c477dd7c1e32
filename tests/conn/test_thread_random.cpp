#include <bsvpeer/conn/thread_random.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <set>
#include <thread>
#include <vector>

using namespace bsvpeer::conn;

TEST_CASE("thread_random: one engine per thread, seeded once, threads draw different values") {
  // The same engine each call on one thread: it is seeded once, not per use.
  CHECK(&thread_random_engine() == &thread_random_engine());
  std::set<std::uint64_t> here;
  for (int i = 0; i < 100; ++i)
    here.insert(thread_random());
  CHECK(here.size() == 100);

  const std::mt19937_64* other_engine = nullptr;
  std::vector<std::uint64_t> there;
  std::thread t([&] {
    other_engine = &thread_random_engine();
    for (int i = 0; i < 100; ++i)
      there.push_back(thread_random());
  });
  t.join();
  CHECK(other_engine != &thread_random_engine());
  // Seeded independently: the other thread's sequence is not this one's.
  std::size_t shared = 0;
  for (auto v : there)
    shared += here.count(v);
  CHECK(shared == 0);
}
