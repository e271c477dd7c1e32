#pragma once
// Nonces of our own version messages on connections that have not completed the handshake.
// An inbound version carrying one of them means we dialled ourselves (SV's CheckIncomingNonce).
// Shared by every connection of a node, hence the mutex: it is a tiny set touched once or twice
// per connection, never on a per-message path.
#include <cstdint>
#include <mutex>
#include <random>
#include <unordered_set>

namespace bsvpeer::conn {

class NonceRegistry {
 public:
  // A fresh random non-zero nonce, registered until release().
  std::uint64_t acquire();
  void release(std::uint64_t nonce);
  bool contains(std::uint64_t nonce) const;
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_set<std::uint64_t> nonces_;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace bsvpeer::conn
