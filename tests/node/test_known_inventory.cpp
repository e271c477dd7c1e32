#include <bsvpeer/node/known_inventory.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <deque>
#include <random>
#include <set>
#include <stdexcept>

using namespace bsvpeer::node;
using bsvpeer::wire::Hash256;
using bsvpeer::wire::InvItem;

namespace {

// A distinct hash per n, spread over all 32 bytes.
Hash256 hash_of(std::uint64_t n) {
  Hash256 hash{};
  for (std::size_t i = 0; i < hash.size(); ++i) {
    hash[i] = static_cast<std::uint8_t>((n >> ((i % 8) * 8)) ^ (i * 37));
  }
  return hash;
}

// Hashes a peer could craft: equal in every byte but the last two.
Hash256 near_twin(std::uint16_t n) {
  Hash256 hash{};
  hash.fill(0xAB);
  hash[30] = static_cast<std::uint8_t>(n >> 8);
  hash[31] = static_cast<std::uint8_t>(n);
  return hash;
}

}  // namespace

TEST_CASE("insert reports whether a hash is new; contains finds it") {
  KnownInventory known(10, 7);
  CHECK(known.size() == 0);
  CHECK(known.capacity() == 10);
  CHECK_FALSE(known.contains(hash_of(1)));
  CHECK(known.insert(hash_of(1)));
  CHECK(known.contains(hash_of(1)));
  CHECK_FALSE(known.insert(hash_of(1)));
  CHECK(known.size() == 1);
  CHECK_FALSE(known.contains(hash_of(2)));

  const InvItem item{2, hash_of(3)};
  CHECK(known.insert(item));
  CHECK(known.contains(item));
  CHECK(known.contains(hash_of(3)));
  CHECK_FALSE(known.insert(InvItem{1, hash_of(3)}));  // the hash is what counts
  CHECK(known.size() == 2);
}

TEST_CASE("past capacity the oldest hash is forgotten first") {
  KnownInventory known(4, 7);
  for (std::uint64_t n = 0; n < 10; ++n) {
    CAPTURE(n);
    CHECK(known.insert(hash_of(n)));
    CHECK(known.size() == std::min<std::size_t>(n + 1, 4));
    // Exactly the last four are known.
    for (std::uint64_t m = 0; m <= n; ++m) {
      CAPTURE(m);
      CHECK(known.contains(hash_of(m)) == (m + 4 > n));
    }
  }
}

TEST_CASE("eviction is FIFO by first insert: inserting a known hash again keeps its age") {
  KnownInventory known(3, 7);
  CHECK(known.insert(hash_of(1)));
  CHECK(known.insert(hash_of(2)));
  CHECK(known.insert(hash_of(3)));
  CHECK_FALSE(known.insert(hash_of(1)));  // already known: still the oldest
  CHECK(known.insert(hash_of(4)));
  CHECK_FALSE(known.contains(hash_of(1)));
  CHECK(known.contains(hash_of(2)));
  // A forgotten hash is new again, and pushes out the next oldest.
  CHECK(known.insert(hash_of(1)));
  CHECK_FALSE(known.contains(hash_of(2)));
  CHECK(known.contains(hash_of(3)));
  CHECK(known.contains(hash_of(4)));
  CHECK(known.contains(hash_of(1)));
}

TEST_CASE("memory stays within the documented bound at the default capacity") {
  CHECK(KnownInventory::max_memory_bytes(kDefaultKnownInventoryCapacity) == 2'124'288);
  KnownInventory known(kDefaultKnownInventoryCapacity, 7);
  CHECK(known.memory_bytes() == 0);  // nothing allocated until used
  known.insert(hash_of(0));
  CHECK(known.memory_bytes() <= 16 * 32 + 16 * 4);

  constexpr std::uint64_t kInserted = 120'000;
  std::size_t largest = 0;
  for (std::uint64_t n = 1; n < kInserted; ++n) {
    known.insert(hash_of(n));
    largest = std::max(largest, known.memory_bytes());
  }
  CHECK(largest <= KnownInventory::max_memory_bytes(kDefaultKnownInventoryCapacity));
  CHECK(known.size() == kDefaultKnownInventoryCapacity);
  std::size_t known_count = 0;
  for (std::uint64_t n = 0; n < kInserted; ++n) {
    const bool expected = n >= kInserted - kDefaultKnownInventoryCapacity;
    if (known.contains(hash_of(n)) != expected) {
      CAPTURE(n);
      FAIL_CHECK("wrong membership");
      break;
    }
    known_count += expected ? 1 : 0;
  }
  CHECK(known_count == kDefaultKnownInventoryCapacity);

  known.clear();
  CHECK(known.size() == 0);
  CHECK(known.memory_bytes() == 0);
  CHECK_FALSE(known.contains(hash_of(kInserted - 1)));
  CHECK(known.insert(hash_of(kInserted - 1)));
}

TEST_CASE("the bound holds for small and odd capacities") {
  for (std::size_t capacity : {1u, 2u, 3u, 5u, 16u, 17u, 1000u}) {
    CAPTURE(capacity);
    KnownInventory known(capacity, 7);
    for (std::uint64_t n = 0; n < 3 * capacity + 5; ++n) {
      known.insert(hash_of(n));
      CHECK(known.memory_bytes() <= KnownInventory::max_memory_bytes(capacity));
    }
    CHECK(known.size() == capacity);
  }
}

TEST_CASE("behaves like a FIFO-bounded set under random use, also with crafted near-twins") {
  // A reference model (set + queue) checked after every step. A small hash space makes
  // repeats, and a small capacity keeps the index crowded, so removals shift probe runs often.
  struct Row {
    const char* name;
    std::size_t capacity;
    std::uint64_t salt;
    bool near_twins;
  };
  const Row rows[] = {
      {"capacity 8, spread hashes", 8, 1, false},
      {"capacity 8, near-twin hashes", 8, 2, true},
      {"capacity 37, spread hashes", 37, 3, false},
      {"capacity 37, near-twin hashes", 37, 4, true},
      {"capacity 64, near-twin hashes, salt 0", 64, 0, true},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    KnownInventory known(row.capacity, row.salt);
    std::set<Hash256> model;
    std::deque<Hash256> order;
    std::mt19937 random(static_cast<unsigned>(row.capacity));
    bool consistent = true;
    int failed_step = -1;
    for (int step = 0; step < 20'000 && consistent; ++step) {
      const auto n = static_cast<std::uint16_t>(random() % (row.capacity * 3));
      const Hash256 hash = row.near_twins ? near_twin(n) : hash_of(n);
      const bool expected_new = !model.contains(hash);
      if (expected_new) {
        if (order.size() == row.capacity) {
          model.erase(order.front());
          order.pop_front();
        }
        model.insert(hash);
        order.push_back(hash);
      }
      consistent = known.insert(hash) == expected_new && known.size() == model.size();
      for (std::uint16_t m = 0; m < row.capacity * 3 && consistent; ++m) {
        const Hash256 probe = row.near_twins ? near_twin(m) : hash_of(m);
        consistent = known.contains(probe) == model.contains(probe);
      }
      if (!consistent) failed_step = step;
    }
    CAPTURE(failed_step);
    CHECK(consistent);
  }
}

TEST_CASE("capacity must be between 1 and the index limit") {
  CHECK_THROWS_AS(KnownInventory(0), std::invalid_argument);
  CHECK_THROWS_AS(KnownInventory(kMaxKnownInventoryCapacity + 1), std::invalid_argument);
  CHECK_NOTHROW(KnownInventory{1});
  CHECK_NOTHROW(KnownInventory{kMaxKnownInventoryCapacity});  // allocates lazily
}
