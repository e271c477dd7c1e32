#include <bsvpeer/peer/peer_endpoint.hpp>
#include <bsvpeer/peer/peer_id.hpp>
#include <bsvpeer/peer/peer_record_json.hpp>

#include <cstdint>
#include <limits>

namespace bsvpeer::peer {
namespace {

using nlohmann::json;

nlohmann::json optional_time(const std::optional<UnixSeconds>& time) {
  return time ? json(*time) : json(nullptr);
}

// Each reader leaves `out` alone when the key is missing (so defaults stay), and returns false
// with `fault` set when the key is present with the wrong type or range, or required and
// missing.
class FieldReader {
 public:
  FieldReader(const json& object, std::string& fault) : object_(object), fault_(fault) {}

  bool string(const char* key, std::string& out, bool required) {
    const json* value = lookup(key, required);
    if (value == nullptr) return !required;
    if (!value->is_string()) return wrong(key, "a string");
    out = value->get<std::string>();
    return true;
  }

  bool unsigned_integer(const char* key, std::uint64_t max, std::uint64_t& out, bool required) {
    const json* value = lookup(key, required);
    if (value == nullptr) return !required;
    // The parser makes non-negative numbers unsigned, but a json built in code holds them
    // as signed: accept either when the value is not negative.
    const bool non_negative = value->is_number_unsigned() ||
                              (value->is_number_integer() && value->get<std::int64_t>() >= 0);
    if (!non_negative || value->get<std::uint64_t>() > max) {
      return wrong(key, "an integer from 0 to " + std::to_string(max));
    }
    out = value->get<std::uint64_t>();
    return true;
  }

  bool counter(const char* key, std::uint32_t& out) {
    std::uint64_t value = out;
    if (!unsigned_integer(key, std::numeric_limits<std::uint32_t>::max(), value, false)) {
      return false;
    }
    out = static_cast<std::uint32_t>(value);
    return true;
  }

  bool time(const char* key, UnixSeconds& out, bool required) {
    const json* value = lookup(key, required);
    if (value == nullptr) return !required;
    return time_value(key, *value, out);
  }

  bool nullable_time(const char* key, std::optional<UnixSeconds>& out) {
    const json* value = lookup(key, false);
    if (value == nullptr || value->is_null()) return true;
    UnixSeconds time = 0;
    if (!time_value(key, *value, time)) return false;
    out = time;
    return true;
  }

  const json* lookup(const char* key, bool required) {
    auto found = object_.find(key);
    if (found == object_.end()) {
      if (required) fault_ = std::string("missing \"") + key + "\"";
      return nullptr;
    }
    return &*found;
  }

  bool wrong(const char* key, const std::string& expected) {
    fault_ = std::string("\"") + key + "\" is not " + expected;
    return false;
  }

 private:
  bool time_value(const char* key, const json& value, UnixSeconds& out) {
    const bool fits = value.is_number_integer() &&
                      !(value.is_number_unsigned() &&
                        value.get<std::uint64_t>() >
                            static_cast<std::uint64_t>(std::numeric_limits<UnixSeconds>::max()));
    if (!fits) return wrong(key, "a time in unix seconds");
    out = value.get<UnixSeconds>();
    return true;
  }

  const json& object_;
  std::string& fault_;
};

}  // namespace

nlohmann::json peer_record_to_json(const PeerRecord& record) {
  json ban = nullptr;
  if (record.ban) ban = json{{"reason", record.ban->reason}, {"until", record.ban->until}};
  return json{{"id", record.id},
              {"ip", record.ip},
              {"port", record.port},
              {"status", to_string(record.status)},
              {"status_since", record.status_since},
              {"source", to_string(record.source)},
              {"services", record.services},
              {"user_agent", record.user_agent},
              {"last_success", optional_time(record.last_success)},
              {"last_attempt", optional_time(record.last_attempt)},
              {"attempts", record.attempts},
              {"retry_count", record.retry_count},
              {"restart_count", record.restart_count},
              {"ban", std::move(ban)},
              {"last_error", record.last_error}};
}

std::optional<PeerRecord> peer_record_from_json(const nlohmann::json& object, std::string& fault) {
  if (!object.is_object()) {
    fault = "a peer entry is not an object";
    return std::nullopt;
  }
  FieldReader read(object, fault);
  PeerRecord record;

  if (!read.string("id", record.id, true)) return std::nullopt;
  if (!is_uuid(record.id)) {
    fault = "\"id\" is not a UUID: " + record.id;
    return std::nullopt;
  }

  if (!read.string("ip", record.ip, true)) return std::nullopt;
  auto ip = normalise_ip(record.ip);
  if (!ip) {
    fault = "\"ip\" is not an IP address: " + record.ip;
    return std::nullopt;
  }
  record.ip = std::move(*ip);

  std::uint64_t port = 0;
  if (!read.unsigned_integer("port", 65535, port, true)) return std::nullopt;
  if (port == 0) {
    fault = "\"port\" is 0";
    return std::nullopt;
  }
  record.port = static_cast<std::uint16_t>(port);

  std::string text;
  if (!read.string("status", text, true)) return std::nullopt;
  auto status = parse_peer_status(text);
  if (!status) {
    fault = "unknown \"status\": " + text;
    return std::nullopt;
  }
  record.status = *status;

  if (!read.string("source", text, true)) return std::nullopt;
  auto source = parse_peer_source(text);
  if (!source) {
    fault = "unknown \"source\": " + text;
    return std::nullopt;
  }
  record.source = *source;

  if (!read.time("status_since", record.status_since, false) ||
      !read.unsigned_integer("services", std::numeric_limits<std::uint64_t>::max(), record.services,
                             false) ||
      !read.string("user_agent", record.user_agent, false) ||
      !read.nullable_time("last_success", record.last_success) ||
      !read.nullable_time("last_attempt", record.last_attempt) ||
      !read.counter("attempts", record.attempts) ||
      !read.counter("retry_count", record.retry_count) ||
      !read.counter("restart_count", record.restart_count) ||
      !read.string("last_error", record.last_error, false)) {
    return std::nullopt;
  }

  if (const json* ban = read.lookup("ban", false); ban != nullptr && !ban->is_null()) {
    if (!ban->is_object()) {
      read.wrong("ban", "an object or null");
      return std::nullopt;
    }
    FieldReader read_ban(*ban, fault);
    PeerBan parsed;
    if (!read_ban.string("reason", parsed.reason, true) ||
        !read_ban.time("until", parsed.until, true)) {
      fault = "\"ban\": " + fault;
      return std::nullopt;
    }
    record.ban = std::move(parsed);
  }
  if ((record.status == PeerStatus::banned) != record.ban.has_value()) {
    fault =
        record.ban ? "a ban on a peer whose status is not banned" : "status banned without a ban";
    return std::nullopt;
  }
  return record;
}

}  // namespace bsvpeer::peer
