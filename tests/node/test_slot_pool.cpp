#include <bsvpeer/node/slot_pool.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

using namespace bsvpeer::node;

namespace {

SlotLimits limits_of(std::size_t max_connections, std::size_t target_outbound,
                     std::size_t max_manual) {
  SlotLimits limits;
  limits.max_connections = max_connections;
  limits.target_outbound = target_outbound;
  limits.max_manual = max_manual;
  return limits;
}

// Reserves `kind` until the pool refuses; returns the tokens it got.
std::vector<SlotToken> reserve_all(SlotPool& pool, SlotKind kind) {
  std::vector<SlotToken> tokens;
  while (auto token = pool.try_reserve(kind))
    tokens.push_back(std::move(*token));
  return tokens;
}

// Releases the tokens past the first `keep` (vector::resize would need a default token).
void keep_first(std::vector<SlotToken>& tokens, std::size_t keep) {
  tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(keep), tokens.end());
}

}  // namespace

TEST_CASE("the default limits are SV's: 125 in all, 8 outbound, 8 manual, 117 inbound") {
  SlotPool pool;
  CHECK(pool.limits() == limits_of(125, 8, 8));
  CHECK(pool.limits().max_inbound() == 117);
  CHECK(pool.in_use() == 0);
  CHECK(pool.high_water() == 0);
  for (SlotKind kind : kAllSlotKinds) {
    CAPTURE(kind);
    CHECK(pool.count(kind) == 0);
  }
  CHECK(pool.available(SlotKind::outbound) == 8);
  CHECK(pool.available(SlotKind::manual) == 8);
  CHECK(pool.available(SlotKind::inbound) == 117);
}

TEST_CASE("each kind stops at its own cap when the total has room") {
  struct Row {
    const char* name;
    SlotLimits limits;
    SlotKind kind;
    std::size_t expected;
  };
  const Row rows[] = {
      {"outbound stops at target_outbound", limits_of(125, 8, 8), SlotKind::outbound, 8},
      {"manual stops at max_manual", limits_of(125, 8, 8), SlotKind::manual, 8},
      {"inbound stops at max_connections - target_outbound", limits_of(125, 8, 8),
       SlotKind::inbound, 117},
      {"outbound is capped by a small total", limits_of(4, 8, 8), SlotKind::outbound, 4},
      {"manual is capped by a small total", limits_of(3, 1, 8), SlotKind::manual, 3},
      {"no inbound when outbound takes every slot", limits_of(8, 8, 8), SlotKind::inbound, 0},
      {"no inbound when target_outbound exceeds the total", limits_of(4, 8, 8), SlotKind::inbound,
       0},
      {"zero outbound (-connect=0) allows none", limits_of(125, 0, 8), SlotKind::outbound, 0},
      {"zero manual allows none", limits_of(125, 8, 0), SlotKind::manual, 0},
      {"no connections at all", limits_of(0, 0, 0), SlotKind::inbound, 0},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    SlotPool pool(row.limits);
    CHECK(pool.available(row.kind) == row.expected);
    auto tokens = reserve_all(pool, row.kind);
    CHECK(tokens.size() == row.expected);
    CHECK(pool.count(row.kind) == row.expected);
    CHECK(pool.in_use() == row.expected);
    CHECK(pool.available(row.kind) == 0);
  }
}

TEST_CASE("the total never exceeds max_connections across kinds") {
  // 10 in all: 3 outbound fit, 4 manual fit, then inbound gets what is left (3), not its own
  // cap of 7.
  SlotPool pool(limits_of(10, 3, 4));
  auto outbound = reserve_all(pool, SlotKind::outbound);
  auto manual = reserve_all(pool, SlotKind::manual);
  auto inbound = reserve_all(pool, SlotKind::inbound);
  CHECK(outbound.size() == 3);
  CHECK(manual.size() == 4);
  CHECK(inbound.size() == 3);
  CHECK(pool.in_use() == 10);
  CHECK(pool.high_water() == 10);
  for (SlotKind kind : kAllSlotKinds) {
    CAPTURE(kind);
    CHECK(pool.available(kind) == 0);
    CHECK_FALSE(pool.try_reserve(kind).has_value());
  }
  // Freeing one inbound slot lets exactly one reservation of any kind with room in.
  inbound.pop_back();
  CHECK(pool.in_use() == 9);
  CHECK_FALSE(pool.try_reserve(SlotKind::outbound).has_value());  // outbound is at its cap
  auto again = pool.try_reserve(SlotKind::inbound);
  CHECK(again.has_value());
  CHECK(pool.in_use() == 10);
}

TEST_CASE("inbound cannot starve outbound") {
  SlotPool pool(limits_of(10, 3, 0));
  auto inbound = reserve_all(pool, SlotKind::inbound);
  CHECK(inbound.size() == 7);
  CHECK(pool.available(SlotKind::outbound) == 3);
  auto outbound = reserve_all(pool, SlotKind::outbound);
  CHECK(outbound.size() == 3);
  CHECK(pool.in_use() == 10);
}

TEST_CASE("a token releases its slot exactly once") {
  SlotPool pool(limits_of(10, 3, 3));
  SUBCASE("the destructor releases") {
    {
      auto token = pool.try_reserve(SlotKind::outbound);
      REQUIRE(token.has_value());
      CHECK(token->held());
      CHECK(token->kind() == SlotKind::outbound);
      CHECK(pool.count(SlotKind::outbound) == 1);
    }
    CHECK(pool.count(SlotKind::outbound) == 0);
    CHECK(pool.in_use() == 0);
  }
  SUBCASE("release() is idempotent and the destructor then releases nothing") {
    auto keep = pool.try_reserve(SlotKind::manual);  // another holder the bug would rob
    {
      auto token = pool.try_reserve(SlotKind::manual);
      REQUIRE(token.has_value());
      CHECK(pool.count(SlotKind::manual) == 2);
      token->release();
      CHECK_FALSE(token->held());
      CHECK(pool.count(SlotKind::manual) == 1);
      token->release();
      CHECK(pool.count(SlotKind::manual) == 1);
    }
    CHECK(pool.count(SlotKind::manual) == 1);
    CHECK(pool.in_use() == 1);
  }
  SUBCASE("a moved-from token releases nothing; the new owner releases once") {
    auto keep = pool.try_reserve(SlotKind::inbound);
    auto token = pool.try_reserve(SlotKind::inbound);
    REQUIRE(token.has_value());
    std::optional<SlotToken> moved_to;
    {
      SlotToken source = std::move(*token);
      CHECK_FALSE(token->held());
      token->release();  // a moved-from token: nothing to give back
      CHECK(pool.count(SlotKind::inbound) == 2);
      moved_to.emplace(std::move(source));
      CHECK_FALSE(source.held());
    }
    CHECK(pool.count(SlotKind::inbound) == 2);
    REQUIRE(moved_to.has_value());
    CHECK(moved_to->held());
    CHECK(moved_to->kind() == SlotKind::inbound);
    moved_to.reset();
    CHECK(pool.count(SlotKind::inbound) == 1);
  }
  SUBCASE("move-assignment releases the target's old slot and takes the source's") {
    auto outbound = pool.try_reserve(SlotKind::outbound);
    auto manual = pool.try_reserve(SlotKind::manual);
    REQUIRE(outbound.has_value());
    REQUIRE(manual.has_value());
    *outbound = std::move(*manual);
    CHECK(pool.count(SlotKind::outbound) == 0);
    CHECK(pool.count(SlotKind::manual) == 1);
    CHECK(outbound->kind() == SlotKind::manual);
    CHECK_FALSE(manual->held());
    SlotToken& self = *outbound;
    *outbound = std::move(self);  // self-move keeps the slot
    CHECK(outbound->held());
    CHECK(pool.count(SlotKind::manual) == 1);
    outbound.reset();
    manual.reset();
    CHECK(pool.in_use() == 0);
  }
}

TEST_CASE("a token may outlive its pool") {
  auto pool = std::make_unique<SlotPool>(limits_of(2, 1, 1));
  auto token = pool->try_reserve(SlotKind::outbound);
  REQUIRE(token.has_value());
  pool.reset();  // the counters stay alive as long as the token holds them
  CHECK(token->held());
  token->release();  // under ASan, a token pointing at freed counters fails here
  CHECK_FALSE(token->held());
}

TEST_CASE("lowering limits revokes nothing; new reservations respect the new limits") {
  SlotPool pool(limits_of(20, 5, 5));
  auto outbound = reserve_all(pool, SlotKind::outbound);
  auto inbound = reserve_all(pool, SlotKind::inbound);
  REQUIRE(outbound.size() == 5);
  REQUIRE(inbound.size() == 15);

  pool.set_limits(limits_of(10, 2, 5));
  CHECK(pool.limits() == limits_of(10, 2, 5));
  CHECK(pool.count(SlotKind::outbound) == 5);
  CHECK(pool.count(SlotKind::inbound) == 15);
  CHECK(pool.in_use() == 20);
  for (SlotKind kind : kAllSlotKinds) {
    CAPTURE(kind);
    CHECK(pool.available(kind) == 0);
    CHECK_FALSE(pool.try_reserve(kind).has_value());
  }

  // Outbound must drop below the new cap of 2 before a new outbound gets in; the total must
  // drop below 10 too, so free inbound first.
  keep_first(inbound, 5);
  CHECK(pool.in_use() == 10);
  CHECK_FALSE(pool.try_reserve(SlotKind::manual).has_value());
  keep_first(outbound, 2);
  CHECK(pool.in_use() == 7);
  CHECK_FALSE(pool.try_reserve(SlotKind::outbound).has_value());
  outbound.pop_back();
  CHECK(pool.available(SlotKind::outbound) == 1);
  CHECK(pool.try_reserve(SlotKind::outbound).has_value());

  // Raising them lets more in at once.
  pool.set_limits(limits_of(30, 10, 5));
  CHECK(pool.available(SlotKind::outbound) == 9);
}

TEST_CASE("limits beyond the counter width are refused") {
  CHECK_FALSE(limits_of(kMaxSlotLimit, kMaxSlotLimit, kMaxSlotLimit).validate().has_value());
  const SlotLimits bad[] = {limits_of(kMaxSlotLimit + 1, 8, 8),
                            limits_of(125, kMaxSlotLimit + 1, 8),
                            limits_of(125, 8, kMaxSlotLimit + 1)};
  for (const SlotLimits& limits : bad) {
    CAPTURE(limits.max_connections);
    CAPTURE(limits.target_outbound);
    CAPTURE(limits.max_manual);
    CHECK(limits.validate().has_value());
    CHECK_THROWS_AS(SlotPool{limits}, std::invalid_argument);
    SlotPool pool;
    CHECK_THROWS_AS(pool.set_limits(limits), std::invalid_argument);
    CHECK(pool.limits() == SlotLimits{});
  }
  // The largest limits work: fields do not spill into each other.
  SlotPool pool(limits_of(kMaxSlotLimit, 1, 1));
  auto outbound = pool.try_reserve(SlotKind::outbound);
  auto manual = pool.try_reserve(SlotKind::manual);
  auto inbound = pool.try_reserve(SlotKind::inbound);
  CHECK(pool.count(SlotKind::outbound) == 1);
  CHECK(pool.count(SlotKind::manual) == 1);
  CHECK(pool.count(SlotKind::inbound) == 1);
  CHECK(pool.available(SlotKind::inbound) == kMaxSlotLimit - 1 - 2);
}

TEST_CASE("slot kinds print their names") {
  std::ostringstream out;
  out << SlotKind::outbound << ' ' << SlotKind::manual << ' ' << SlotKind::inbound;
  CHECK(out.str() == "outbound manual inbound");
}

TEST_CASE("8 threads hammering reserve/release never exceed any limit and end at zero") {
  const SlotLimits limits = limits_of(125, 8, 8);
  SlotPool pool(limits);
  constexpr int kThreads = 8;
  constexpr int kOperationsPerThread = 125'000;  // 1e6 in all
  // Each thread holds up to 40 tokens, so together they want 320 slots from 125: the limits
  // are hit all the time, which is the contention worth testing.
  constexpr std::size_t kHeldPerThread = 40;

  std::atomic<std::size_t> refused{0};
  std::atomic<std::size_t> granted{0};
  std::atomic<bool> over_limit_seen{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(static_cast<unsigned>(t) + 1);
      std::vector<SlotToken> held;
      std::size_t my_refused = 0;
      std::size_t my_granted = 0;
      for (int i = 0; i < kOperationsPerThread; ++i) {
        const bool reserve = held.empty() || (held.size() < kHeldPerThread && random() % 2 == 0);
        if (reserve) {
          const SlotKind kind = kAllSlotKinds[random() % 3];
          if (auto token = pool.try_reserve(kind)) {
            ++my_granted;
            held.push_back(std::move(*token));
          } else {
            ++my_refused;
          }
        } else {
          const std::size_t victim = random() % held.size();
          std::swap(held[victim], held.back());
          held.pop_back();
        }
        // Any reader on any thread sees counts within the limits.
        if (pool.in_use() > limits.max_connections ||
            pool.count(SlotKind::outbound) > limits.target_outbound ||
            pool.count(SlotKind::manual) > limits.max_manual ||
            pool.count(SlotKind::inbound) > limits.max_inbound()) {
          over_limit_seen = true;
        }
      }
      refused += my_refused;
      granted += my_granted;
    });
  }
  for (auto& thread : threads)
    thread.join();

  CHECK_FALSE(over_limit_seen.load());
  CHECK(pool.high_water() <= limits.max_connections);
  CHECK(pool.high_water() > 0);
  CHECK(refused.load() > 0);  // the limits were actually reached
  CHECK(granted.load() > 0);
  CHECK(pool.in_use() == 0);
  for (SlotKind kind : kAllSlotKinds) {
    CAPTURE(kind);
    CHECK(pool.count(kind) == 0);
  }
}
