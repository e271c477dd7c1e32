#include <bsvpeer/wire/messages/keepalive.hpp>

namespace bsvpeer::wire {

void Ping::encode(ByteWriter& w) const {
  if (nonce) w.u64le(*nonce);
}

Result<Ping> Ping::decode(ByteSpan payload) {
  Ping p;
  if (payload.empty()) return p;  // BIP31: peers <= 60000 send no nonce
  ByteReader r(payload);
  p.nonce = r.u64le();
  if (!r.ok()) return r.error();
  return p;
}

void Pong::encode(ByteWriter& w) const {
  w.u64le(nonce);
}

Result<Pong> Pong::decode(ByteSpan payload) {
  ByteReader r(payload);
  Pong p;
  p.nonce = r.u64le();
  if (!r.ok()) return r.error();
  return p;
}

}  // namespace bsvpeer::wire
