#include "peer/temp_dir.hpp"

#include <bsvpeer/peer/peer_store_file.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <csignal>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <vector>

using namespace bsvpeer;
using namespace bsvpeer::peer;
using bsvpeer::test::TempDir;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr UnixSeconds kNow = 1763800000;

// Captures one logger's lines ("<level> <message>") without touching spdlog's registry.
struct CapturedLog {
  CapturedLog()
      : logger(std::make_shared<spdlog::logger>(
            "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(lines))) {
    logger->set_pattern("%l %v");
    logger->set_level(spdlog::level::trace);
  }
  std::string text() const { return lines.str(); }

  std::ostringstream lines;
  std::shared_ptr<spdlog::logger> logger;
};

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> directory_entries(const fs::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

void fill(PeerStore& store) {
  auto valid = store.add("1.2.3.4", 8333, PeerSource::dns, kNow - 100);
  REQUIRE(valid.has_value());
  REQUIRE(store.mark_attempt(valid->id, kNow - 90));
  REQUIRE(store.mark_success(valid->id, "/Bitcoin SV:1.2.2/", 33, kNow - 89));
  REQUIRE(store.mark_restart(valid->id));
  auto banned = store.add("5.6.7.8", 8333, PeerSource::addr, kNow - 50);
  REQUIRE(banned.has_value());
  REQUIRE(store.mark_failure(banned->id, "banned user agent"));
  REQUIRE(store.ban(banned->id, "banned_user_agent", kNow + 86400, kNow - 40));
  auto v6 = store.add("2001:db8::7", 18333, PeerSource::manual, kNow - 30);
  REQUIRE(v6.has_value());
  REQUIRE(store.mark_attempt(v6->id, kNow - 20));
  REQUIRE(store.mark_failure(v6->id, "connection refused"));
  REQUIRE(store.set_status(v6->id, PeerStatus::inaccessible, kNow - 10));
  REQUIRE(store.add("9.9.9.9", 8333, PeerSource::inbound, kNow).has_value());
}

json minimal_peer(const char* id, const char* ip, int port, const char* status = "valid") {
  return json{{"id", id}, {"ip", ip}, {"port", port}, {"status", status}, {"source", "addr"}};
}

}  // namespace

TEST_CASE("a missing file is normal: empty store, outcome missing") {
  TempDir dir;
  CapturedLog log;
  PeerStoreFile file(dir.path() / "peers.json", net::NetworkId::main, {64u << 20, log.logger});
  PeerStore store;
  LoadReport report = file.load(store, kNow);
  CHECK(report.outcome == LoadOutcome::missing);
  CHECK(report.ok());
  CHECK(store.size() == 0);
  CHECK_FALSE(report.moved_aside_to.has_value());
  CHECK(log.text().find("info no peer store at") != std::string::npos);
  CHECK(directory_entries(dir.path()).empty());
}

TEST_CASE("save then load gives back every record; the document follows design.md §5") {
  TempDir dir;
  const fs::path path = dir.path() / "peers.json";
  PeerStoreFile file(path, net::NetworkId::main);
  PeerStore store;
  fill(store);

  auto saved = file.save(store, kNow);
  REQUIRE(saved.has_value());
  CHECK(*saved == store.generation());
  CHECK(directory_entries(dir.path()) == std::vector<std::string>{"peers.json"});

  json document = json::parse(read_file(path));
  CHECK(document["version"] == 1);
  CHECK(document["network"] == "main");
  CHECK(document["saved_at"] == kNow);
  REQUIRE(document["peers"].is_array());
  CHECK(document["peers"].size() == 4);
  CHECK(document.size() == 4);

  PeerStore loaded;
  LoadReport report = file.load(loaded, kNow + 1);
  CHECK(report.outcome == LoadOutcome::loaded);
  CHECK(report.loaded_records == 4);
  CHECK(report.skipped_records == 0);
  CHECK(loaded.snapshot() == store.snapshot());
  CHECK(fs::exists(path));  // a good file stays where it is
}

TEST_CASE("a later save replaces the file whole") {
  TempDir dir;
  const fs::path path = dir.path() / "peers.json";
  PeerStoreFile file(path, net::NetworkId::regtest);
  PeerStore store;
  REQUIRE(store.add("1.1.1.1", 18444, PeerSource::manual, kNow).has_value());
  REQUIRE(file.save(store, kNow));
  fill(store);
  REQUIRE(file.save(store, kNow + 300));

  PeerStore loaded;
  CHECK(file.load(loaded, kNow).loaded_records == 5);
  CHECK(json::parse(read_file(path))["saved_at"] == kNow + 300);
  CHECK(directory_entries(dir.path()) == std::vector<std::string>{"peers.json"});
}

TEST_CASE("an untrusted file is moved aside with one WARN line and the store starts empty") {
  struct Row {
    const char* name;
    std::string content;
    LoadOutcome outcome;
    const char* detail_contains;
  };
  const json peers =
      json::array({minimal_peer("00000000-0000-4000-8000-000000000001", "1.2.3.4", 8333)});
  const Row rows[] = {
      {"not JSON", "{\"version\": 1, \"network\": \"main\", \"peers\": [", LoadOutcome::unparsable,
       "parse error"},
      {"empty file", "", LoadOutcome::unparsable, "parse error"},
      {"not an object", "[1, 2, 3]", LoadOutcome::unparsable, "not a JSON object"},
      {"no peers array", json{{"version", 1}, {"network", "main"}, {"peers", "none"}}.dump(),
       LoadOutcome::unparsable, "no \"peers\" array"},
      {"newer version", json{{"version", 2}, {"network", "main"}, {"peers", peers}}.dump(),
       LoadOutcome::wrong_version, "version 2"},
      {"no version", json{{"network", "main"}, {"peers", peers}}.dump(), LoadOutcome::wrong_version,
       "no integer \"version\""},
      {"testnet file", json{{"version", 1}, {"network", "test"}, {"peers", peers}}.dump(),
       LoadOutcome::wrong_network, "\"test\""},
      {"no network", json{{"version", 1}, {"peers", peers}}.dump(), LoadOutcome::wrong_network,
       "no \"network\""},
      {"deep nesting", std::string(100, '[') + std::string(100, ']'), LoadOutcome::unparsable,
       "nested deeper"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    TempDir dir;
    const fs::path path = dir.path() / "peers.json";
    write_file(path, row.content);
    CapturedLog log;
    PeerStoreFile file(path, net::NetworkId::main, {64u << 20, log.logger});
    PeerStore store;

    LoadReport report = file.load(store, kNow);
    CHECK(report.outcome == row.outcome);
    CHECK_FALSE(report.ok());
    CHECK(report.detail.find(row.detail_contains) != std::string::npos);
    CHECK(store.size() == 0);
    CHECK_FALSE(fs::exists(path));
    const fs::path aside = path.string() + ".corrupt-" + std::to_string(kNow);
    REQUIRE(report.moved_aside_to.has_value());
    CHECK(*report.moved_aside_to == aside);
    CHECK(read_file(aside) == row.content);

    const std::string lines = log.text();
    CHECK(lines.rfind("warning peer store " + path.string() + " refused (", 0) == 0);
    CHECK(lines.find("moved aside to " + aside.string()) != std::string::npos);
    CHECK(lines.find("starting with an empty store") != std::string::npos);
    CHECK(std::count(lines.begin(), lines.end(), '\n') == 1);
  }
}

TEST_CASE("a second refusal in the same second does not overwrite the first aside file") {
  TempDir dir;
  const fs::path path = dir.path() / "peers.json";
  PeerStoreFile file(path, net::NetworkId::main);
  PeerStore store;
  write_file(path, "first");
  REQUIRE(file.load(store, kNow).moved_aside_to);
  write_file(path, "second");
  auto report = file.load(store, kNow);
  REQUIRE(report.moved_aside_to);
  CHECK(report.moved_aside_to->filename() == "peers.json.corrupt-" + std::to_string(kNow) + "-1");
  CHECK(read_file(path.string() + ".corrupt-" + std::to_string(kNow)) == "first");
  CHECK(read_file(*report.moved_aside_to) == "second");
}

TEST_CASE("a file above the size limit is refused and moved aside; one at the limit loads") {
  TempDir dir;
  const fs::path path = dir.path() / "peers.json";
  PeerStore source;
  fill(source);
  REQUIRE(PeerStoreFile(path, net::NetworkId::main).save(source, kNow));
  const auto size = fs::file_size(path);

  CapturedLog log;
  PeerStore at_limit;
  CHECK(
      PeerStoreFile(path, net::NetworkId::main, {size, log.logger}).load(at_limit, kNow).outcome ==
      LoadOutcome::loaded);
  CHECK(at_limit.size() == 4);

  PeerStore over_limit;
  LoadReport report =
      PeerStoreFile(path, net::NetworkId::main, {size - 1, log.logger}).load(over_limit, kNow);
  CHECK(report.outcome == LoadOutcome::too_large);
  CHECK(over_limit.size() == 0);
  REQUIRE(report.moved_aside_to.has_value());
  CHECK(fs::file_size(*report.moved_aside_to) == size);
  CHECK(log.text().find("warning peer store " + path.string() + " refused (too large") !=
        std::string::npos);
}

TEST_CASE("invalid records in a good file are skipped and counted") {
  TempDir dir;
  const fs::path path = dir.path() / "peers.json";
  json peers = json::array({
      minimal_peer("00000000-0000-4000-8000-000000000001", "1.2.3.4", 8333),
      minimal_peer("00000000-0000-4000-8000-000000000002", "1.2.3", 8333),            // bad ip
      minimal_peer("00000000-0000-4000-8000-000000000003", "1.2.3.5", 0),             // port 0
      minimal_peer("00000000-0000-4000-8000-000000000004", "1.2.3.6", 8333, "gone"),  // status
      minimal_peer("00000000-0000-4000-8000-000000000005", "::ffff:1.2.3.4", 8333),   // dup ip
      minimal_peer("00000000-0000-4000-8000-000000000001", "1.2.3.7", 8333),          // dup id
      minimal_peer("00000000-0000-4000-8000-000000000006", "2001:db8::1", 8333),
      "not an object",
  });
  write_file(
      path,
      json{{"version", 1}, {"network", "main"}, {"saved_at", kNow}, {"peers", peers}}.dump(2));
  CapturedLog log;
  PeerStoreFile file(path, net::NetworkId::main, {64u << 20, log.logger});
  PeerStore store;
  LoadReport report = file.load(store, kNow);
  CHECK(report.outcome == LoadOutcome::loaded);
  CHECK(report.ok());
  CHECK(report.loaded_records == 2);
  CHECK(report.skipped_records == 6);
  CHECK(report.detail.find("\"ip\"") != std::string::npos);  // the first fault
  CHECK(store.size() == 2);
  CHECK(store.find("1.2.3.4", 8333).has_value());
  CHECK(store.find("2001:db8::1", 8333).has_value());
  CHECK(fs::exists(path));
  CHECK(log.text().find("warning skipped 6 invalid peer entries") != std::string::npos);
}

TEST_CASE("a path that is a directory is unreadable and left in place") {
  TempDir dir;
  const fs::path path = dir.path() / "peers.json";
  fs::create_directory(path);
  CapturedLog log;
  PeerStore store;
  LoadReport report =
      PeerStoreFile(path, net::NetworkId::main, {64u << 20, log.logger}).load(store, kNow);
  CHECK(report.outcome == LoadOutcome::unreadable);
  CHECK_FALSE(report.moved_aside_to.has_value());
  CHECK(fs::is_directory(path));
  CHECK(log.text().find("warning peer store " + path.string() + " is unreadable") !=
        std::string::npos);
}

TEST_CASE("a failed save leaves the old file intact, removes its temp file, returns the error") {
  TempDir dir;
  const fs::path path = dir.path() / "peers.json";
  CapturedLog log;
  PeerStoreFile file(path, net::NetworkId::main, {64u << 20, log.logger});
  PeerStore store;
  REQUIRE(store.add("1.2.3.4", 8333, PeerSource::dns, kNow).has_value());
  REQUIRE(file.save(store, kNow));
  const std::string old_content = read_file(path);

  for (int i = 0; i < 300; ++i) {
    REQUIRE(store
                .add("10.9." + std::to_string(i / 256) + "." + std::to_string(i % 256), 8333,
                     PeerSource::addr, kNow)
                .has_value());
  }
  // A file-size limit makes the write fail half-way, like a full disk, even for root (who
  // ignores directory permissions). SIGXFSZ would otherwise kill the test process.
  auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit previous_limit{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &previous_limit) == 0);
  rlimit small = previous_limit;
  small.rlim_cur = 4096;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  auto saved = file.save(store, kNow + 1);
  ::setrlimit(RLIMIT_FSIZE, &previous_limit);
  std::signal(SIGXFSZ, previous_handler);

  REQUIRE_FALSE(saved.has_value());
  CHECK(saved.error() == boost::system::errc::file_too_large);
  CHECK(read_file(path) == old_content);
  CHECK(directory_entries(dir.path()) == std::vector<std::string>{"peers.json"});
  CHECK(log.text().find("warning saving peer store " + path.string() + " failed (write: ") !=
        std::string::npos);
  CHECK(log.text().find("the previous file is unchanged") != std::string::npos);

  // With the limit gone the same store saves.
  REQUIRE(file.save(store, kNow + 2));
  PeerStore loaded;
  CHECK(file.load(loaded, kNow).loaded_records == 301);
}

TEST_CASE("a save onto a directory or into a missing directory fails cleanly") {
  TempDir dir;
  PeerStore store;
  REQUIRE(store.add("1.2.3.4", 8333, PeerSource::dns, kNow).has_value());

  const fs::path occupied = dir.path() / "peers.json";
  fs::create_directory(occupied);
  write_file(occupied / "keep", "data");
  auto onto_directory = PeerStoreFile(occupied, net::NetworkId::main).save(store, kNow);
  REQUIRE_FALSE(onto_directory.has_value());
  CHECK(read_file(occupied / "keep") == "data");
  CHECK(directory_entries(dir.path()) == std::vector<std::string>{"peers.json"});

  auto no_directory =
      PeerStoreFile(dir.path() / "missing" / "peers.json", net::NetworkId::main).save(store, kNow);
  REQUIRE_FALSE(no_directory.has_value());
  CHECK(no_directory.error() == boost::system::errc::no_such_file_or_directory);
  CHECK_FALSE(fs::exists(dir.path() / "missing"));
}

TEST_CASE("a user agent that is not UTF-8 does not break the save") {
  TempDir dir;
  const fs::path path = dir.path() / "peers.json";
  PeerStoreFile file(path, net::NetworkId::main);
  PeerStore store;
  auto added = store.add("1.2.3.4", 8333, PeerSource::dns, kNow);
  REQUIRE(added.has_value());
  REQUIRE(store.mark_success(added->id,
                             "/bad\xff\xfe"
                             "agent/",
                             1, kNow));
  REQUIRE(file.save(store, kNow));
  PeerStore loaded;
  REQUIRE(file.load(loaded, kNow).loaded_records == 1);
  CHECK(loaded.get(added->id)->user_agent ==
        "/bad\xef\xbf\xbd\xef\xbf\xbd"
        "agent/");
}
