#pragma once
// Turns a received addr message into candidates for the PeerStore, applying SV's rules
// (bsv-protocol.md §6.2, SV:src/net/net_processing.cpp ProcessAddrMessage) so gossip cannot
// fill the store with junk. A pure core: the caller passes `now`.
//
// Not decided here: whether to process the message at all (SV keeps only the sender's own
// address from unsolicited addr of an inbound peer) and relaying; those need the connection.
#include <bsvpeer/net/protocol.hpp>
#include <bsvpeer/peer/peer_record.hpp>
#include <bsvpeer/wire/net_address.hpp>

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace bsvpeer::node {

inline constexpr std::size_t kMaxAddrEntries = 1000;  // SV's MAX_ADDR_TO_SEND
inline constexpr peer::UnixSeconds kAddrFutureTolerance = 10 * 60;
inline constexpr peer::UnixSeconds kAddrPenaltyAge = 5 * 24 * 60 * 60;
inline constexpr std::uint32_t kAddrTimeFloor = 100'000'000;  // before 1973: not a real time

struct AddrFilterOptions {
  // Every one of these bits must be set in an entry's services. SV dials only NODE_NETWORK
  // peers; a local test mesh advertising 0 sets this to 0 to accept everything.
  std::uint64_t required_services = net::kNodeNetwork;
  // Entries last seen longer ago are dropped. 7 days is where SV's addrman calls an address
  // "terrible" and evicts it (bsv-protocol.md §9.2): older gossip mostly names nodes that are
  // gone, and storing it would only crowd the dial queue.
  peer::UnixSeconds max_age = 7 * 24 * 60 * 60;
  // Entries past this many are ignored (SV refuses larger messages; our decoder does too).
  std::size_t max_entries = kMaxAddrEntries;

  // Why the options cannot work, or nullopt when they can.
  std::optional<std::string> validate() const;
};

struct AddrCandidate {
  std::string ip;  // normalised as peer::normalise_ip does: IPv4-mapped becomes IPv4
  std::uint16_t port = 0;
  std::uint64_t services = 0;
  peer::UnixSeconds time = 0;  // after the implausible-time fix-up

  bool operator==(const AddrCandidate&) const = default;
};

std::ostream& operator<<(std::ostream& os, const AddrCandidate& candidate);

// What became of each entry, for logs and metrics.
struct AddrFilterCounts {
  std::size_t over_limit = 0;        // past max_entries
  std::size_t missing_services = 0;  // lacks a required service bit
  std::size_t unusable_address = 0;  // port 0, unspecified or multicast address
  std::size_t too_old = 0;           // older than max_age (after the time fix-up)
  std::size_t duplicate = 0;         // same ip:port earlier in the message
  std::size_t time_adjusted = 0;     // kept, but its time was replaced by now - 5 days

  bool operator==(const AddrFilterCounts&) const = default;
};

struct AddrFilterResult {
  std::vector<AddrCandidate> candidates;  // in message order
  AddrFilterCounts counts;
};

class AddrFilter {
 public:
  // Throws std::invalid_argument when options.validate() reports a problem.
  explicit AddrFilter(AddrFilterOptions options = {});

  // Rules, per entry in order:
  //   - entries past max_entries are ignored;
  //   - missing required services: skipped;
  //   - port 0, unspecified (:: / 0.0.0.0) or multicast address: dropped (cannot be dialled);
  //   - time <= 100000000 or more than 10 minutes ahead of now: time becomes now - 5 days
  //     (SV's fix-up, so a lying clock neither ages nor freshens an address much);
  //   - older than max_age: dropped;
  //   - an ip:port already accepted from this message: dropped.
  AddrFilterResult filter(std::span<const wire::TimedNetAddress> entries,
                          peer::UnixSeconds now) const;

  const AddrFilterOptions& options() const noexcept { return options_; }

 private:
  AddrFilterOptions options_;
};

// An addr with a single entry is not the answer to our getaddr: peers push their own address
// unsolicited, one entry at a time, right after the handshake. A one-shot seed connection
// (-seednode) or a crawler waits for a bigger one before it disconnects (anchors.md §9
// lesson 7; Core #22096).
bool is_getaddr_answer(std::size_t entries) noexcept;

}  // namespace bsvpeer::node
