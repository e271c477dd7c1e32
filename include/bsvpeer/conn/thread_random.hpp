#pragma once
// One random engine per thread, seeded once from std::random_device on first use. Connections,
// backoffs and per-peer filters draw from it instead of each constructing a std::random_device
// and seeding an engine of their own: that cost a device read, a 2.5 KiB Mersenne Twister and its
// seeding per connection. Not for secrets (ping nonces, jitter, hash salts only).
#include <cstdint>
#include <random>

namespace bsvpeer::conn {

// This thread's engine; use it only on this thread.
std::mt19937_64& thread_random_engine();

// A 64-bit value from this thread's engine.
inline std::uint64_t thread_random() {
  return thread_random_engine()();
}

}  // namespace bsvpeer::conn
