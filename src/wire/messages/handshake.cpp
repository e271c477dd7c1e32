#include <bsvpeer/wire/limits.hpp>
#include <bsvpeer/wire/messages/handshake.hpp>

namespace bsvpeer::wire {
namespace {

// SV's association id: the only id type is 0x00 (UUID) followed by 16 bytes.
constexpr std::uint8_t kAssociationIdTypeUuid = 0x00;
constexpr std::size_t kUuidAssociationIdLength = 17;

// Lengths 0 and 1 are a null id (SV's AssociationID::Make returns none for them).
bool is_acceptable_association_id(const Bytes& id) noexcept {
  if (id.size() <= 1) return true;
  return id.size() == kUuidAssociationIdLength && id[0] == kAssociationIdTypeUuid;
}

}  // namespace

void Version::encode(ByteWriter& w) const {
  w.i32le(version);
  w.u64le(services);
  w.i64le(timestamp);
  addr_recv.encode(w);
  addr_from.encode(w);
  w.u64le(nonce);
  w.var_str(user_agent);
  w.i32le(start_height);
  w.boolean(relay);
  if (association_id) w.var_bytes(*association_id);
}

Result<Version> Version::decode(ByteSpan payload) {
  ByteReader r(payload);
  Version v;
  v.version = r.i32le();
  v.services = r.u64le();
  v.timestamp = r.i64le();
  v.addr_recv = NetAddress::decode(r);
  if (!r.ok()) return r.error();
  // SV's ProcessVersionMessage reads each group below only if bytes remain; addr_from and
  // nonce are read together, so a payload may end after addr_recv but not inside that pair.
  if (!r.empty()) {
    v.addr_from = NetAddress::decode(r);
    v.nonce = r.u64le();
  }
  if (!r.empty()) v.user_agent = r.var_str(kMaxUserAgentLength);
  if (!r.empty()) v.start_height = r.i32le();
  if (!r.empty()) v.relay = r.boolean();
  if (!r.ok()) return r.error();
  if (!r.empty()) {
    Bytes id = r.var_bytes(kMaxAssociationIdLength);
    // SV wraps every failure in this field (bad length, truncation) into one error.
    if (!r.ok() || !is_acceptable_association_id(id)) return Error::bad_association_id;
    v.association_id = std::move(id);
  }
  return v;
}

Result<Verack> Verack::decode(ByteSpan) {
  return Verack{};
}

void Protoconf::encode(ByteWriter& w) const {
  w.compact_size(number_of_fields);
  w.u32le(max_recv_payload_length);
  if (number_of_fields >= 2) w.var_str(stream_policies);
}

Result<Protoconf> Protoconf::decode(ByteSpan payload) {
  ByteReader r(payload);
  Protoconf p;
  p.number_of_fields = r.compact_size();
  if (!r.ok()) return r.error();
  if (p.number_of_fields == 0) return Error::invalid_value;
  p.max_recv_payload_length = r.u32le();
  if (!r.ok()) return r.error();
  if (p.max_recv_payload_length < kLegacyMaxPayload) return Error::invalid_value;
  // With one field the policies keep their default ("Default"), which is what SV assumes.
  if (p.number_of_fields >= 2) p.stream_policies = r.var_str(kMaxStreamPoliciesLength);
  if (!r.ok()) return r.error();
  return p;
}

}  // namespace bsvpeer::wire
