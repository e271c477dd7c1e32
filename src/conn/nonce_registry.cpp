#include <bsvpeer/conn/nonce_registry.hpp>

namespace bsvpeer::conn {

std::uint64_t NonceRegistry::acquire() {
  std::lock_guard lock(mutex_);
  for (;;) {
    const std::uint64_t n = rng_();
    if (n != 0 && nonces_.insert(n).second) return n;
  }
}

void NonceRegistry::release(std::uint64_t nonce) {
  std::lock_guard lock(mutex_);
  nonces_.erase(nonce);
}

bool NonceRegistry::contains(std::uint64_t nonce) const {
  std::lock_guard lock(mutex_);
  return nonces_.count(nonce) != 0;
}

std::size_t NonceRegistry::size() const {
  std::lock_guard lock(mutex_);
  return nonces_.size();
}

}  // namespace bsvpeer::conn
