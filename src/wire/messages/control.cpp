#include <bsvpeer/wire/limits.hpp>
#include <bsvpeer/wire/messages/control.hpp>

namespace bsvpeer::wire {

void SendCmpct::encode(ByteWriter& w) const {
  w.boolean(announce);
  w.u64le(version);
}

Result<SendCmpct> SendCmpct::decode(ByteSpan payload) {
  ByteReader r(payload);
  SendCmpct out;
  out.announce = r.boolean();
  out.version = r.u64le();
  if (!r.ok()) return r.error();
  return out;
}

void FeeFilter::encode(ByteWriter& w) const {
  w.i64le(feerate);
}

Result<FeeFilter> FeeFilter::decode(ByteSpan payload) {
  ByteReader r(payload);
  FeeFilter out;
  out.feerate = r.i64le();
  if (!r.ok()) return r.error();
  return out;
}

void Reject::encode(ByteWriter& w) const {
  w.var_str(message);
  w.u8(code);
  w.var_str(reason);
  w.bytes(data);
}

Result<Reject> Reject::decode(ByteSpan payload) {
  ByteReader r(payload);
  Reject out;
  out.message = r.var_str(kMaxRejectMessageLength);
  out.code = r.u8();
  out.reason = r.var_str(kMaxRejectReasonLength);
  const auto data = r.rest();
  if (!r.ok()) return r.error();
  out.data.assign(data.begin(), data.end());
  return out;
}

void AuthCh::encode(ByteWriter& w) const {
  w.u32le(version);
  w.u32le(static_cast<std::uint32_t>(challenge.size()));
  w.bytes(challenge);
}

Result<AuthCh> AuthCh::decode(ByteSpan payload) {
  ByteReader r(payload);
  AuthCh out;
  out.version = r.u32le();
  const std::uint32_t length = r.u32le();
  // bytes() checks the length against what is present before anything is copied.
  const auto challenge = r.bytes(length);
  if (!r.ok()) return r.error();
  out.challenge.assign(challenge.begin(), challenge.end());
  return out;
}

}  // namespace bsvpeer::wire
