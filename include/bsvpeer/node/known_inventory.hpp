#pragma once
// The inventory hashes one peer already knows: it announced them to us, or we announced or
// sent them to it. Checked before every announcement so a peer never hears of a hash twice
// from us (Core's m_tx_inventory_known_filter). One per connection, owned by its actor; not
// thread-safe.
//
// Exact, not a Bloom filter: a false positive would silently withhold an announcement. The
// set is bounded: past `capacity` hashes the oldest one is forgotten (FIFO by first insert; a
// hash inserted again keeps its age), at worst costing one repeated announcement.
//
// Memory: the hashes sit once in a ring of 32-byte slots, indexed by an open-addressing
// table of 4-byte slot numbers kept at most half full. Both grow with use up to the bound and
// never past it, so one set costs at most
//   32 x capacity + 4 x (the smallest power of two >= 2 x capacity) bytes
// (object header aside): 2,124,288 bytes (~2 MiB, ~42.5 bytes per entry) at the default
// capacity of 50,000. memory_bytes() reports the current figure.
//
// Peers choose the hashes they announce, so a hash is never trusted to spread well on its
// own: the table key mixes all 32 bytes with a per-set random salt, and a peer cannot aim its
// hashes at one probe chain.
#include <bsvpeer/wire/bytes.hpp>
#include <bsvpeer/wire/messages/inventory.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace bsvpeer::node {

inline constexpr std::size_t kDefaultKnownInventoryCapacity = 50'000;
inline constexpr std::size_t kMaxKnownInventoryCapacity = std::size_t{1} << 30;

class KnownInventory {
 public:
  // Throws std::invalid_argument for capacity 0 or above kMaxKnownInventoryCapacity. Without
  // a salt, one is drawn from the thread's engine (conn/thread_random.hpp); tests pass one.
  explicit KnownInventory(std::size_t capacity = kDefaultKnownInventoryCapacity,
                          std::optional<std::uint64_t> salt = std::nullopt);

  // True when the hash was not known (and now is). At capacity this forgets the oldest hash.
  bool insert(const wire::Hash256& hash);
  bool insert(const wire::InvItem& item) { return insert(item.hash); }
  bool contains(const wire::Hash256& hash) const;
  bool contains(const wire::InvItem& item) const { return contains(item.hash); }

  // Forgets everything and gives the memory back.
  void clear() noexcept;

  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return capacity_; }
  // Bytes held by the ring and the index right now.
  std::size_t memory_bytes() const noexcept;
  // The bound memory_bytes() never exceeds for this capacity.
  static std::size_t max_memory_bytes(std::size_t capacity) noexcept;

 private:
  static constexpr std::uint32_t kEmpty = 0;  // index entries hold ring position + 1

  std::size_t home_of(const wire::Hash256& hash) const noexcept;
  // The index position holding `hash`, or the empty position where it would go.
  std::size_t find_position(const wire::Hash256& hash) const noexcept;
  void erase_at(std::size_t position) noexcept;
  void place(std::uint32_t ring_position);
  void grow_index();

  std::size_t capacity_;
  std::uint64_t salt_;
  std::vector<wire::Hash256> ring_;  // grows to capacity_, then overwritten from oldest_
  std::size_t oldest_ = 0;           // once full: the ring position of the oldest hash
  std::size_t size_ = 0;
  std::vector<std::uint32_t> index_;  // size is 0 or a power of two
};

}  // namespace bsvpeer::node
