#include <bsvpeer/wire/sha256.hpp>

#include <openssl/evp.h>

#include <new>
#include <stdexcept>

namespace bsvpeer::wire {
namespace {

// Fetched once: OpenSSL 3's implicit fetch per EVP_Digest call costs ~5x on small inputs.
const EVP_MD* sha256_md() {
  static EVP_MD* md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (m == nullptr) throw std::runtime_error("OpenSSL: SHA256 not available");
    return m;
  }();
  return md;
}

}  // namespace

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
  Impl() : ctx(EVP_MD_CTX_new()) {
    if (ctx == nullptr) throw std::bad_alloc();
    EVP_DigestInit_ex(ctx, sha256_md(), nullptr);
  }
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::reset() {
  EVP_DigestInit_ex(impl_->ctx, sha256_md(), nullptr);
}

void Sha256::update(ByteSpan data) {
  if (!data.empty()) EVP_DigestUpdate(impl_->ctx, data.data(), data.size());
}

Hash256 Sha256::final() {
  Hash256 out{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, out.data(), &len);
  reset();
  return out;
}

namespace {
// One context per thread, reused by the free functions.
Sha256& thread_hasher() {
  thread_local Sha256 hasher;
  return hasher;
}
}  // namespace

Hash256 sha256(ByteSpan data) {
  auto& h = thread_hasher();
  h.update(data);
  return h.final();
}

Hash256 sha256_of_hash(const Hash256& first) {
  return sha256(first);
}

Hash256 sha256d(ByteSpan data) {
  return sha256_of_hash(sha256(data));
}

std::array<std::uint8_t, 4> checksum(ByteSpan payload) {
  const Hash256 h = sha256d(payload);
  return {h[0], h[1], h[2], h[3]};
}

}  // namespace bsvpeer::wire
