#include <bsvpeer/conn/thread_random.hpp>
#include <bsvpeer/node/known_inventory.hpp>

#include <algorithm>
#include <bit>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>

namespace bsvpeer::node {

namespace {

// splitmix64's finaliser: a bijection that spreads every input bit over the output.
constexpr std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

std::uint64_t random_salt() {
  return conn::thread_random();  // one engine per thread, not a device read per peer
}

// The smallest power of two holding `capacity` entries at most half full.
std::size_t max_index_size(std::size_t capacity) noexcept {
  return std::bit_ceil(2 * capacity);
}

constexpr std::size_t kFirstIndexSize = 16;
constexpr std::size_t kFirstRingSize = 16;

}  // namespace

KnownInventory::KnownInventory(std::size_t capacity, std::optional<std::uint64_t> salt)
    : capacity_(capacity), salt_(salt ? *salt : random_salt()) {
  if (capacity == 0 || capacity > kMaxKnownInventoryCapacity) {
    throw std::invalid_argument("known inventory capacity " + std::to_string(capacity) +
                                " is outside 1.." + std::to_string(kMaxKnownInventoryCapacity));
  }
}

std::size_t KnownInventory::max_memory_bytes(std::size_t capacity) noexcept {
  return capacity * sizeof(wire::Hash256) + max_index_size(capacity) * sizeof(std::uint32_t);
}

std::size_t KnownInventory::memory_bytes() const noexcept {
  return ring_.capacity() * sizeof(wire::Hash256) + index_.capacity() * sizeof(std::uint32_t);
}

std::size_t KnownInventory::home_of(const wire::Hash256& hash) const noexcept {
  std::uint64_t h = salt_;
  for (std::size_t offset = 0; offset < hash.size(); offset += sizeof(std::uint64_t)) {
    std::uint64_t word;
    std::memcpy(&word, hash.data() + offset, sizeof word);
    h = mix(h ^ word);
  }
  return static_cast<std::size_t>(h) & (index_.size() - 1);
}

std::size_t KnownInventory::find_position(const wire::Hash256& hash) const noexcept {
  // Linear probing at most half full: an empty position always ends the probe.
  const std::size_t mask = index_.size() - 1;
  std::size_t position = home_of(hash);
  while (index_[position] != kEmpty && ring_[index_[position] - 1] != hash) {
    position = (position + 1) & mask;
  }
  return position;
}

bool KnownInventory::contains(const wire::Hash256& hash) const {
  if (size_ == 0) return false;
  return index_[find_position(hash)] != kEmpty;
}

void KnownInventory::erase_at(std::size_t position) noexcept {
  // Backward-shift deletion: move later members of the probe run into the hole whenever their
  // home is not between the hole and them, so no tombstones are needed and every probe still
  // reaches its hash before an empty position.
  const std::size_t mask = index_.size() - 1;
  std::size_t hole = position;
  index_[hole] = kEmpty;
  for (std::size_t next = (hole + 1) & mask; index_[next] != kEmpty; next = (next + 1) & mask) {
    const std::size_t home = home_of(ring_[index_[next] - 1]);
    const bool home_in_gap =
        hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
    if (home_in_gap) continue;
    index_[hole] = index_[next];
    index_[next] = kEmpty;
    hole = next;
  }
}

void KnownInventory::place(std::uint32_t ring_position) {
  index_[find_position(ring_[ring_position])] = ring_position + 1;
}

void KnownInventory::grow_index() {
  const std::size_t new_size =
      std::min(max_index_size(capacity_), std::max(kFirstIndexSize, index_.size() * 2));
  index_.assign(new_size, kEmpty);
  index_.shrink_to_fit();
  for (std::size_t i = 0; i < ring_.size(); ++i)
    place(static_cast<std::uint32_t>(i));
}

bool KnownInventory::insert(const wire::Hash256& hash) {
  if (contains(hash)) return false;

  if (size_ == capacity_) {
    // Full: the oldest hash leaves the index, and its ring slot takes the new one.
    erase_at(find_position(ring_[oldest_]));
    ring_[oldest_] = hash;
    place(static_cast<std::uint32_t>(oldest_));
    oldest_ = (oldest_ + 1) % capacity_;
    return true;
  }

  if (2 * (size_ + 1) > index_.size()) grow_index();
  if (ring_.size() == ring_.capacity()) {
    // Grow geometrically but never past the bound: vector's own growth could reserve up to
    // twice the capacity.
    ring_.reserve(std::min(capacity_, std::max(kFirstRingSize, 2 * ring_.size())));
  }
  ring_.push_back(hash);
  place(static_cast<std::uint32_t>(size_));
  ++size_;
  return true;
}

void KnownInventory::clear() noexcept {
  // Swapping with empties frees the buffers; assigning {} would keep their capacity.
  std::vector<wire::Hash256>().swap(ring_);
  std::vector<std::uint32_t>().swap(index_);
  oldest_ = 0;
  size_ = 0;
}

}  // namespace bsvpeer::node
