#pragma once
// -seednode (SV's ProcessOneShot, bsv-protocol.md §9.3): each seed is dialled once, when an
// automatic outbound slot is free, asked for addresses (getaddr whatever -getaddr says), and
// left as soon as its addr arrives. bitcoind waits for that addr without a bound; we give the
// wait a deadline so a silent seed cannot hold a slot for ever. A seed that cannot be reached
// is not dialled again (SV re-queues a seed only when the dial could not even start).
//
// Pure bookkeeping for the Manager (on its strand): the queue of seeds not yet dialled and the
// one-shot connections waiting for their addr, with their deadlines.
#include <bsvpeer/conn/clock.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace bsvpeer::node {

class SeedNodes {
 public:
  using tcp = boost::asio::ip::tcp;

  explicit SeedNodes(const std::vector<tcp::endpoint>& seeds = {});

  // A new configuration (reload): seeds never queued before are queued; the others are not
  // dialled again. Queued seeds no longer configured are dropped.
  void reconfigure(const std::vector<tcp::endpoint>& seeds);

  bool pending() const noexcept { return !queue_.empty(); }
  std::size_t queued() const noexcept { return queue_.size(); }
  // The next seed to dial (removed from the queue), or nullopt when none is left.
  std::optional<tcp::endpoint> next();

  // The Manager dialled a seed as connection `id`; its addr must arrive before `deadline`.
  void dialled(std::uint64_t id, conn::TimePoint deadline);
  bool is_one_shot(std::uint64_t id) const { return waiting_.count(id) > 0; }
  // The connection ended (for whatever reason): forgotten.
  void ended(std::uint64_t id) { waiting_.erase(id); }
  // One-shot connections whose deadline has passed at `now` (they stay listed until ended()).
  std::vector<std::uint64_t> expired(conn::TimePoint now) const;
  // The earliest deadline still ahead of or at `now`'s caller; nullopt when none waits.
  std::optional<conn::TimePoint> next_deadline() const;
  std::size_t waiting() const noexcept { return waiting_.size(); }

 private:
  std::deque<tcp::endpoint> queue_;
  std::set<tcp::endpoint> ever_queued_;
  std::map<std::uint64_t, conn::TimePoint> waiting_;
};

}  // namespace bsvpeer::node
