#pragma once
// Connection slots: every connection holds a SlotToken for its whole life, so the node never
// runs more connections than its limits allow (design.md §3, anchors.md §9 lessons 1 and 8).
//
// Lock-free and readable from any thread: the Manager reserves on its strand, connection
// actors release from theirs (a token dies with its connection), and metrics/RPC read counts
// from wherever they run. All three per-kind counts live in ONE atomic word, so a reservation
// checks every limit and takes its slot in a single compare-exchange: no transient
// over-count, and in_use() is always an exact sum.
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace bsvpeer::node {

enum class SlotKind {
  outbound,  // automatic outbound, chosen by the PeerSelector
  manual,    // operator's -connect / -addnode / RPC addnode
  inbound,   // accepted by the Listener
};

inline constexpr SlotKind kAllSlotKinds[] = {SlotKind::outbound, SlotKind::manual,
                                             SlotKind::inbound};

std::string_view to_string(SlotKind kind) noexcept;
std::ostream& operator<<(std::ostream& os, SlotKind kind);

// Largest value any limit may take: each count is a 21-bit field of the shared atomic word.
inline constexpr std::size_t kMaxSlotLimit = (std::size_t{1} << 21) - 1;

struct SlotLimits {
  // All kinds together never exceed this (SV: -maxconnections, default 125).
  std::size_t max_connections = 125;
  // Automatic outbound never exceeds this (SV: -maxoutboundconnections, default 8).
  std::size_t target_outbound = 8;
  // Manual connections never exceed this (SV: -maxaddnodeconnections, default 8).
  std::size_t max_manual = 8;

  // Inbound may use at most max_connections - target_outbound (0 when target_outbound is the
  // larger), like SV's nMaxInbound: a flood of inbound peers can never take the slots our own
  // outbound connections need, which is what keeps us from being eclipsed by whoever dials in.
  // Manual connections are not reserved for: the operator's few peers share what is left.
  std::size_t max_inbound() const noexcept;

  // Why the limits cannot be represented, or nullopt when they can.
  std::optional<std::string> validate() const;

  bool operator==(const SlotLimits&) const = default;
};

namespace detail {
struct SlotCounters;  // the shared atomic state; defined in slot_pool.cpp
}

// The right to run one connection of a kind. Move-only; gives its slot back exactly once:
// on release() (idempotent) or in the destructor, whichever comes first. A moved-from token
// holds nothing and releases nothing. The token shares ownership of the pool's counters, so
// it may outlive the SlotPool object (a connection finishing after the Manager is gone).
// One token is used by one owner at a time; it is not meant for concurrent release() calls.
class SlotToken {
 public:
  SlotToken(SlotToken&& other) noexcept;
  SlotToken& operator=(SlotToken&& other) noexcept;  // releases what this token held first
  SlotToken(const SlotToken&) = delete;
  SlotToken& operator=(const SlotToken&) = delete;
  ~SlotToken();

  void release() noexcept;
  bool held() const noexcept { return counters_ != nullptr; }
  SlotKind kind() const noexcept { return kind_; }

 private:
  friend class SlotPool;
  SlotToken(std::shared_ptr<detail::SlotCounters> counters, SlotKind kind) noexcept;

  std::shared_ptr<detail::SlotCounters> counters_;
  SlotKind kind_;
};

class SlotPool {
 public:
  // Throws std::invalid_argument when limits.validate() reports a problem.
  explicit SlotPool(SlotLimits limits = {});
  SlotPool(const SlotPool&) = delete;
  SlotPool& operator=(const SlotPool&) = delete;

  // A slot of `kind` if every limit still has room, else nullopt. Never blocks.
  std::optional<SlotToken> try_reserve(SlotKind kind);

  // New limits for new reservations. Lowering a limit revokes nothing: tokens already out
  // stay valid, and reservations of that kind fail until enough of them are released.
  // Throws std::invalid_argument like the constructor.
  void set_limits(const SlotLimits& limits);
  SlotLimits limits() const noexcept;

  std::size_t in_use() const noexcept;
  std::size_t count(SlotKind kind) const noexcept;
  // How many more reservations of `kind` would succeed now (0 while over a lowered limit).
  std::size_t available(SlotKind kind) const noexcept;
  // The largest in_use() ever reached: a metric, and the proof in tests that the total never
  // went over max_connections.
  std::size_t high_water() const noexcept;

 private:
  std::shared_ptr<detail::SlotCounters> counters_;
};

}  // namespace bsvpeer::node
