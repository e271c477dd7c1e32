#pragma once
// SHA-256 and SHA-256d through OpenSSL EVP. The digest is fetched once per process and
// contexts are reused: an implicit fetch per call costs ~5x on OpenSSL 3.
#include <bsvpeer/wire/bytes.hpp>

#include <memory>

namespace bsvpeer::wire {

// Incremental SHA-256; reusable after final() via reset().
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void reset();
  void update(ByteSpan data);
  Hash256 final();  // also resets

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

Hash256 sha256(ByteSpan data);
Hash256 sha256d(ByteSpan data);
// Second round of SHA-256d, given the first round's digest.
Hash256 sha256_of_hash(const Hash256& first);
// First four bytes of SHA-256d: the frame checksum.
std::array<std::uint8_t, 4> checksum(ByteSpan payload);

}  // namespace bsvpeer::wire
