#pragma once
// One PeerRecord as a JSON object, with the field names of design.md §5. Shared by the store
// file and anything that shows records (RPC, crawler output).
#include <bsvpeer/peer/peer_record.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace bsvpeer::peer {

// Every field is written; absent times and an absent ban are null.
nlohmann::json peer_record_to_json(const PeerRecord& record);

// Required: id (a UUID), ip (an IP), port (1-65535), status, source. The rest default when
// missing (counters 0, times and ban null, strings empty). A field of the wrong type or out of
// range, or a ban/status mismatch, makes the record invalid: nullopt, with `fault` saying why.
std::optional<PeerRecord> peer_record_from_json(const nlohmann::json& object, std::string& fault);

}  // namespace bsvpeer::peer
