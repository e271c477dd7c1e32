// Slot reservation throughput: try_reserve + release of one SlotToken, on one thread and under
// contention from several threads, beside a plain atomic fetch_add/fetch_sub pair on the same
// machine in the same run (the floor any lock-free slot counter can reach). JSON lines.
#include <bsvpeer/node/slot_pool.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

using namespace bsvpeer;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint64_t kOpsPerThread = 2'000'000;

template <class Op>
double ops_per_second(int threads, Op op) {
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      while (!go.load(std::memory_order_acquire)) {
      }
      for (std::uint64_t i = 0; i < kOpsPerThread; ++i)
        op();
    });
  }
  const auto start = Clock::now();
  go.store(true, std::memory_order_release);
  for (auto& t : pool)
    t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(kOpsPerThread) * threads / seconds;
}

}  // namespace

int main() {
  const int hw = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  for (int threads : {1, hw}) {
    node::SlotPool pool(node::SlotLimits{125, 8, 8});
    std::uint64_t refused = 0;
    const double slots = ops_per_second(threads, [&] {
      auto token = pool.try_reserve(node::SlotKind::inbound);
      if (!token) ++refused;  // only possible above 117 concurrent holders: never here
    });
    std::atomic<std::uint64_t> counter{0};
    const double baseline = ops_per_second(threads, [&] {
      counter.fetch_add(1, std::memory_order_acq_rel);
      counter.fetch_sub(1, std::memory_order_acq_rel);
    });
    std::printf(
        "{\"bench\":\"slots\",\"threads\":%d,\"reserve_release_per_s\":%.0f,"
        "\"atomic_add_sub_per_s\":%.0f,\"ratio\":%.3f,\"high_water\":%zu,\"in_use_after\":%zu,"
        "\"refused\":%llu}\n",
        threads, slots, baseline, slots / baseline, pool.high_water(), pool.in_use(),
        static_cast<unsigned long long>(refused));
  }
  return 0;
}
