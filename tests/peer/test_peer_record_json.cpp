#include <bsvpeer/peer/peer_record_json.hpp>

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace bsvpeer::peer;
using nlohmann::json;

namespace {

PeerRecord full_record() {
  PeerRecord record;
  record.id = "123e4567-e89b-42d3-a456-426614174000";
  record.ip = "1.2.3.4";
  record.port = 8333;
  record.status = PeerStatus::banned;
  record.status_since = 1763790000;
  record.source = PeerSource::dns;
  record.services = 33;
  record.user_agent = "/Bitcoin SV:1.2.2/";
  record.last_success = 1763790000;
  record.last_attempt = 1763790001;
  record.attempts = 4;
  record.retry_count = 2;
  record.restart_count = 1;
  record.ban = PeerBan{"banned_user_agent", 1763886400};
  record.last_error = "banned user agent";
  return record;
}

}  // namespace

TEST_CASE("a record's JSON has exactly the field names of design.md §5") {
  json object = peer_record_to_json(full_record());
  std::set<std::string> keys;
  for (const auto& [key, value] : object.items())
    keys.insert(key);
  const std::set<std::string> expected{
      "id",       "ip",          "port",          "status",       "status_since",
      "source",   "services",    "user_agent",    "last_success", "last_attempt",
      "attempts", "retry_count", "restart_count", "ban",          "last_error"};
  CHECK(keys == expected);
  CHECK(object["status"] == "banned");
  CHECK(object["source"] == "dns");
  CHECK(object["ban"] == json{{"reason", "banned_user_agent"}, {"until", 1763886400}});
  CHECK(object["port"] == 8333);
}

TEST_CASE("records round-trip; absent times and ban are null") {
  std::string fault;
  const PeerRecord full = full_record();
  CHECK(peer_record_from_json(peer_record_to_json(full), fault) == full);

  PeerRecord sparse;
  sparse.id = "00000000-0000-4000-8000-000000000001";
  sparse.ip = "2001:db8::1";
  sparse.port = 18333;
  json object = peer_record_to_json(sparse);
  CHECK(object["last_success"].is_null());
  CHECK(object["last_attempt"].is_null());
  CHECK(object["ban"].is_null());
  CHECK(peer_record_from_json(object, fault) == sparse);
}

TEST_CASE("optional fields default when missing; the ip is normalised") {
  std::string fault;
  json object{{"id", "00000000-0000-4000-8000-000000000002"},
              {"ip", "::ffff:9.8.7.6"},
              {"port", 8333},
              {"status", "valid"},
              {"source", "manual"}};
  auto record = peer_record_from_json(object, fault);
  CAPTURE(fault);
  REQUIRE(record.has_value());
  CHECK(record->ip == "9.8.7.6");
  CHECK(record->status == PeerStatus::valid);
  CHECK(record->attempts == 0);
  CHECK(record->status_since == 0);
  CHECK_FALSE(record->last_success.has_value());
  CHECK(record->user_agent.empty());
}

TEST_CASE("invalid records are refused with a reason") {
  const json good = peer_record_to_json(full_record());
  struct Row {
    const char* name;
    const char* key;
    json value;  // null with erase = true removes the key
    bool erase;
    const char* fault_contains;
  };
  const Row rows[] = {
      {"bad ip", "ip", "1.2.3", false, "\"ip\""},
      {"ip not a string", "ip", 1234, false, "\"ip\""},
      {"port 0", "port", 0, false, "\"port\""},
      {"port too large", "port", 65536, false, "\"port\""},
      {"negative port", "port", -1, false, "\"port\""},
      {"unknown status", "status", "gone", false, "\"status\""},
      {"unknown source", "source", "rumour", false, "\"source\""},
      {"bad id", "id", "uuid", false, "\"id\""},
      {"missing id", "id", nullptr, true, "missing \"id\""},
      {"missing port", "port", nullptr, true, "missing \"port\""},
      {"negative attempts", "attempts", -3, false, "\"attempts\""},
      {"attempts above 32 bits", "attempts", 4294967296ull, false, "\"attempts\""},
      {"float time", "last_attempt", 1.5, false, "\"last_attempt\""},
      {"string services", "services", "33", false, "\"services\""},
      {"ban without until", "ban", json{{"reason", "x"}}, false, "\"until\""},
      {"ban not an object", "ban", "forever", false, "\"ban\""},
      {"banned without ban", "ban", nullptr, false, "without a ban"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    json object = good;
    if (row.erase) {
      object.erase(row.key);
    } else {
      object[row.key] = row.value;
    }
    std::string fault;
    CHECK_FALSE(peer_record_from_json(object, fault).has_value());
    CHECK(fault.find(row.fault_contains) != std::string::npos);
  }

  std::string fault;
  json not_banned = good;
  not_banned["status"] = "valid";
  CHECK_FALSE(peer_record_from_json(not_banned, fault).has_value());
  CHECK(fault == "a ban on a peer whose status is not banned");
  CHECK_FALSE(peer_record_from_json(json::array(), fault).has_value());
}
