#include "visit_result.hpp"

namespace bsvpeer::crawl {

bool apply_visit(NodeRecord& r, const VisitResult& v, std::uint64_t round, UnixSeconds now) {
  r.visited_round = round;
  const bool handshaked = v.handshake.has_value();
  r.reliability.record(handshaked, now);
  if (handshaked) {
    // A success replaces everything the last success said.
    r.handshake = v.handshake;
    r.error.clear();
    r.rtt_ms = v.rtt_ms;
    r.connect_ms = v.connect_ms;
    r.handshake_ms = v.handshake_ms;
    r.addr_answered = v.addr_answered;
    r.addr_messages = v.addr_messages;
    r.addr_count = v.addresses.size();
    r.addr_sample.clear();
    for (const auto& e : v.addresses) {
      if (r.addr_sample.size() >= kAddrSampleSize) break;
      r.addr_sample.push_back(peer::to_string(e));
    }
  } else {
    // A failure keeps the last success's facts; `error` says the node did not answer now.
    r.error = v.error.empty() ? "no_handshake" : v.error;
  }
  return bsv_candidate(observation_of(r));
}

void update_store(peer::PeerStore& store, const std::string& id, const NodeRecord& r,
                  UnixSeconds now) {
  if (id.empty()) return;
  const Observation o = observation_of(r);
  if (bsv_candidate(o)) {
    (void)store.mark_success(id, r.handshake->user_agent, r.handshake->services, now);
  } else if (o.handshaked) {
    const Verdict verdict = classify(o, std::nullopt);
    if (verdict.chain == Chain::bch) {
      (void)store.ban(id, "banned_user_agent", now + 24 * 3600, now);
    } else {
      (void)store.mark_failure(id, "not BSV: " + verdict.code);
      (void)store.set_status(id, peer::PeerStatus::inaccessible, now);
    }
  } else {
    (void)store.mark_failure(id, r.error);
    (void)store.set_status(id, peer::PeerStatus::inaccessible, now);
  }
}

}  // namespace bsvpeer::crawl
