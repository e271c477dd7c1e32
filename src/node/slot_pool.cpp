#include <bsvpeer/node/slot_pool.hpp>

#include <algorithm>
#include <atomic>
#include <ostream>
#include <stdexcept>
#include <utility>

namespace bsvpeer::node {

namespace {

// Three 21-bit fields in one 64-bit word: outbound in bits 0-20, manual in 21-41, inbound in
// 42-62. Limits use the same layout, so one load gives a consistent set of all three.
constexpr unsigned kFieldBits = 21;
constexpr std::uint64_t kFieldMask = (std::uint64_t{1} << kFieldBits) - 1;

constexpr unsigned shift_of(SlotKind kind) noexcept {
  return static_cast<unsigned>(kind) * kFieldBits;
}

constexpr std::size_t field(std::uint64_t word, SlotKind kind) noexcept {
  return static_cast<std::size_t>((word >> shift_of(kind)) & kFieldMask);
}

constexpr std::uint64_t one_of(SlotKind kind) noexcept {
  return std::uint64_t{1} << shift_of(kind);
}

std::size_t total_of(std::uint64_t word) noexcept {
  return field(word, SlotKind::outbound) + field(word, SlotKind::manual) +
         field(word, SlotKind::inbound);
}

// The limits word keeps max_connections in the inbound field's place; the per-kind caps of
// the outbound and manual fields are stored as they are.
std::uint64_t pack_limits(const SlotLimits& limits) noexcept {
  return (std::uint64_t{limits.target_outbound} << shift_of(SlotKind::outbound)) |
         (std::uint64_t{limits.max_manual} << shift_of(SlotKind::manual)) |
         (std::uint64_t{limits.max_connections} << shift_of(SlotKind::inbound));
}

SlotLimits unpack_limits(std::uint64_t word) noexcept {
  SlotLimits limits;
  limits.target_outbound = field(word, SlotKind::outbound);
  limits.max_manual = field(word, SlotKind::manual);
  limits.max_connections = field(word, SlotKind::inbound);
  return limits;
}

std::size_t cap_of(const SlotLimits& limits, SlotKind kind) noexcept {
  switch (kind) {
    case SlotKind::outbound:
      return limits.target_outbound;
    case SlotKind::manual:
      return limits.max_manual;
    case SlotKind::inbound:
      return limits.max_inbound();
  }
  return 0;
}

std::size_t room_for(std::uint64_t counts, const SlotLimits& limits, SlotKind kind) noexcept {
  const std::size_t total = total_of(counts);
  const std::size_t mine = field(counts, kind);
  const std::size_t cap = cap_of(limits, kind);
  const std::size_t kind_room = mine < cap ? cap - mine : 0;
  const std::size_t total_room =
      total < limits.max_connections ? limits.max_connections - total : 0;
  return std::min(kind_room, total_room);
}

void throw_if_invalid(const SlotLimits& limits) {
  if (auto problem = limits.validate()) throw std::invalid_argument(*problem);
}

}  // namespace

namespace detail {
struct SlotCounters {
  std::atomic<std::uint64_t> counts{0};
  std::atomic<std::uint64_t> limits{0};
  std::atomic<std::size_t> high_water{0};

  void release(SlotKind kind) noexcept {
    // The field is at least 1 (this token holds it), so subtracting cannot borrow from the
    // next field.
    counts.fetch_sub(one_of(kind), std::memory_order_acq_rel);
  }
};
}  // namespace detail

std::string_view to_string(SlotKind kind) noexcept {
  switch (kind) {
    case SlotKind::outbound:
      return "outbound";
    case SlotKind::manual:
      return "manual";
    case SlotKind::inbound:
      return "inbound";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, SlotKind kind) {
  return os << to_string(kind);
}

std::size_t SlotLimits::max_inbound() const noexcept {
  return max_connections > target_outbound ? max_connections - target_outbound : 0;
}

std::optional<std::string> SlotLimits::validate() const {
  const std::pair<const char*, std::size_t> values[] = {{"max_connections", max_connections},
                                                        {"target_outbound", target_outbound},
                                                        {"max_manual", max_manual}};
  for (const auto& [name, value] : values) {
    if (value > kMaxSlotLimit) {
      return std::string(name) + " " + std::to_string(value) + " is above the largest slot limit " +
             std::to_string(kMaxSlotLimit);
    }
  }
  return std::nullopt;
}

SlotToken::SlotToken(std::shared_ptr<detail::SlotCounters> counters, SlotKind kind) noexcept
    : counters_(std::move(counters)), kind_(kind) {}

SlotToken::SlotToken(SlotToken&& other) noexcept
    : counters_(std::move(other.counters_)), kind_(other.kind_) {}

SlotToken& SlotToken::operator=(SlotToken&& other) noexcept {
  if (this != &other) {
    release();
    counters_ = std::move(other.counters_);
    kind_ = other.kind_;
  }
  return *this;
}

SlotToken::~SlotToken() {
  release();
}

void SlotToken::release() noexcept {
  if (!counters_) return;
  counters_->release(kind_);
  counters_.reset();
}

SlotPool::SlotPool(SlotLimits limits) : counters_(std::make_shared<detail::SlotCounters>()) {
  set_limits(limits);
}

std::optional<SlotToken> SlotPool::try_reserve(SlotKind kind) {
  const SlotLimits limits = this->limits();
  std::uint64_t counts = counters_->counts.load(std::memory_order_acquire);
  do {
    if (room_for(counts, limits, kind) == 0) return std::nullopt;
  } while (!counters_->counts.compare_exchange_weak(
      counts, counts + one_of(kind), std::memory_order_acq_rel, std::memory_order_acquire));
  // The total this reservation produced, exactly: the word we replaced plus our one slot.
  const std::size_t total = total_of(counts) + 1;
  std::size_t seen = counters_->high_water.load(std::memory_order_relaxed);
  while (seen < total &&
         !counters_->high_water.compare_exchange_weak(seen, total, std::memory_order_relaxed)) {
  }
  return SlotToken(counters_, kind);
}

void SlotPool::set_limits(const SlotLimits& limits) {
  throw_if_invalid(limits);
  counters_->limits.store(pack_limits(limits), std::memory_order_release);
}

SlotLimits SlotPool::limits() const noexcept {
  return unpack_limits(counters_->limits.load(std::memory_order_acquire));
}

std::size_t SlotPool::in_use() const noexcept {
  return total_of(counters_->counts.load(std::memory_order_acquire));
}

std::size_t SlotPool::count(SlotKind kind) const noexcept {
  return field(counters_->counts.load(std::memory_order_acquire), kind);
}

std::size_t SlotPool::available(SlotKind kind) const noexcept {
  return room_for(counters_->counts.load(std::memory_order_acquire), limits(), kind);
}

std::size_t SlotPool::high_water() const noexcept {
  return counters_->high_water.load(std::memory_order_relaxed);
}

}  // namespace bsvpeer::node
