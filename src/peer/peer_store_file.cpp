#include <bsvpeer/log/null_logger.hpp>
#include <bsvpeer/peer/json_depth.hpp>
#include <bsvpeer/peer/peer_record_json.hpp>
#include <bsvpeer/peer/peer_store_file.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <stdlib.h>
#include <string>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace bsvpeer::peer {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The document is four levels deep (root, peers, a peer, its ban); anything much deeper is not
// ours, and refusing it before parsing keeps a hostile file from costing memory per level.
constexpr std::size_t kMaxNesting = 16;

// Reads at most `limit` + 1 bytes, so a file that grew after its size was checked is still
// caught as too large without being read whole.
bool read_bounded(const fs::path& path, std::uintmax_t limit, std::string& content,
                  bool& over_limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::vector<char> chunk(64 * 1024);
  over_limit = false;
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    content.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (content.size() > limit) {
      over_limit = true;
      return true;
    }
  }
  return in.eof();
}

boost::system::error_code last_system_error() {
  return {errno, boost::system::system_category()};
}

// The temp file of one save: removed unless the rename over the target happened.
class TempFile {
 public:
  explicit TempFile(const fs::path& target) : path_(target.string() + ".tmp-XXXXXX") {
    fd_ = ::mkostemp(path_.data(), O_CLOEXEC);
    created_ = fd_ >= 0;
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (created_ && !renamed_) ::unlink(path_.c_str());
  }

  bool created() const noexcept { return created_; }

  bool write_all(std::string_view data) {
    while (!data.empty()) {
      ssize_t written = ::write(fd_, data.data(), data.size());
      if (written < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      data.remove_prefix(static_cast<std::size_t>(written));
    }
    return true;
  }

  bool sync() { return ::fsync(fd_) == 0; }

  bool close() {
    int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

  bool rename_over(const fs::path& target) {
    renamed_ = ::rename(path_.c_str(), target.c_str()) == 0;
    return renamed_;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool created_ = false;
  bool renamed_ = false;
};

// Makes the rename itself durable: without it a crash can bring back the old directory entry.
bool sync_directory(const fs::path& directory) {
  int fd = ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool synced = ::fsync(fd) == 0;
  int saved_errno = errno;
  ::close(fd);
  errno = saved_errno;
  return synced;
}

}  // namespace

std::string_view to_string(LoadOutcome outcome) noexcept {
  switch (outcome) {
    case LoadOutcome::loaded:
      return "loaded";
    case LoadOutcome::missing:
      return "missing";
    case LoadOutcome::unparsable:
      return "unparsable";
    case LoadOutcome::wrong_version:
      return "wrong schema version";
    case LoadOutcome::wrong_network:
      return "wrong network";
    case LoadOutcome::too_large:
      return "too large";
    case LoadOutcome::unreadable:
      return "unreadable";
  }
  return "unknown";
}

PeerStoreFile::PeerStoreFile(std::filesystem::path path, net::NetworkId network,
                             PeerStoreFileOptions options)
    : path_(std::move(path)), network_(network), options_(std::move(options)) {
  if (!options_.logger) options_.logger = null_logger();
}

std::optional<std::filesystem::path> PeerStoreFile::move_aside(UnixSeconds now) const {
  const std::string base = path_.string() + ".corrupt-" + std::to_string(now);
  std::error_code ec;
  // Two refusals in one second must not overwrite the first aside file.
  for (int suffix = 0; suffix < 100; ++suffix) {
    fs::path aside = suffix == 0 ? fs::path(base) : fs::path(base + "-" + std::to_string(suffix));
    if (fs::exists(aside, ec)) continue;
    fs::rename(path_, aside, ec);
    if (ec) return std::nullopt;
    return aside;
  }
  return std::nullopt;
}

LoadReport PeerStoreFile::refuse(LoadOutcome outcome, std::string detail, UnixSeconds now) const {
  LoadReport report;
  report.outcome = outcome;
  report.detail = std::move(detail);
  report.moved_aside_to = move_aside(now);
  if (report.moved_aside_to) {
    options_.logger->warn(
        "peer store {} refused ({}: {}); moved aside to {}; starting with an empty store",
        path_.string(), to_string(outcome), report.detail, report.moved_aside_to->string());
  } else {
    options_.logger->warn(
        "peer store {} refused ({}: {}); could not move it aside; starting with an empty store",
        path_.string(), to_string(outcome), report.detail);
  }
  return report;
}

void PeerStoreFile::remove_stale_temp_files() const {
  // A save killed between creating its temp file and the rename leaves "<name>.tmp-XXXXXX"
  // behind; at load time no save of ours is running, so any such file is an orphan.
  const std::string prefix = path_.filename().string() + ".tmp-";
  std::error_code ec;
  const fs::path dir = path_.has_parent_path() ? path_.parent_path() : fs::path(".");
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() == prefix.size() + 6 && name.compare(0, prefix.size(), prefix) == 0) {
      std::error_code ignored;
      fs::remove(it->path(), ignored);
    }
  }
}

LoadReport PeerStoreFile::load(PeerStore& into, UnixSeconds now) const {
  remove_stale_temp_files();
  std::error_code ec;
  const fs::file_status status = fs::status(path_, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    LoadReport report{LoadOutcome::unreadable, 0, 0, std::nullopt, ec.message()};
    options_.logger->warn("peer store {} is unreadable ({}); starting with an empty store",
                          path_.string(), report.detail);
    return report;
  }
  if (!fs::exists(status)) {
    options_.logger->info("no peer store at {} yet; starting with an empty store", path_.string());
    return LoadReport{LoadOutcome::missing, 0, 0, std::nullopt, {}};
  }
  if (!fs::is_regular_file(status)) {
    LoadReport report{LoadOutcome::unreadable, 0, 0, std::nullopt, "not a regular file"};
    options_.logger->warn("peer store {} is unreadable ({}); starting with an empty store",
                          path_.string(), report.detail);
    return report;
  }

  const std::uintmax_t size = fs::file_size(path_, ec);
  const std::string too_large_detail =
      "larger than the limit of " + std::to_string(options_.max_file_size) + " bytes";
  if (!ec && size > options_.max_file_size) {
    return refuse(LoadOutcome::too_large, too_large_detail, now);
  }
  std::string content;
  bool over_limit = false;
  if (ec || !read_bounded(path_, options_.max_file_size, content, over_limit)) {
    LoadReport report{LoadOutcome::unreadable, 0, 0, std::nullopt,
                      ec ? ec.message() : std::generic_category().message(errno)};
    options_.logger->warn("peer store {} is unreadable ({}); starting with an empty store",
                          path_.string(), report.detail);
    return report;
  }
  if (over_limit) return refuse(LoadOutcome::too_large, too_large_detail, now);

  if (json_nesting(content) > kMaxNesting) {
    return refuse(LoadOutcome::unparsable,
                  "nested deeper than " + std::to_string(kMaxNesting) + " levels", now);
  }
  json document;
  try {
    document = json::parse(content);
  } catch (const json::parse_error& e) {
    // Caught here so the parser's position and reason reach the log line; nothing throws
    // out of load().
    return refuse(LoadOutcome::unparsable, e.what(), now);
  }
  content = std::string();

  if (!document.is_object()) return refuse(LoadOutcome::unparsable, "not a JSON object", now);
  const auto version = document.find("version");
  if (version == document.end() || !version->is_number_integer()) {
    return refuse(LoadOutcome::wrong_version, "no integer \"version\"", now);
  }
  if (version->get<std::int64_t>() != kPeerStoreSchemaVersion) {
    return refuse(LoadOutcome::wrong_version,
                  "version " + version->dump() + ", this build reads " +
                      std::to_string(kPeerStoreSchemaVersion),
                  now);
  }
  const std::string_view expected_network = net::network_name(network_);
  const auto network = document.find("network");
  if (network == document.end() || !network->is_string()) {
    return refuse(LoadOutcome::wrong_network, "no \"network\"", now);
  }
  if (network->get<std::string>() != expected_network) {
    return refuse(LoadOutcome::wrong_network,
                  "written for network \"" + network->get<std::string>() +
                      "\", this node is on \"" + std::string(expected_network) + "\"",
                  now);
  }
  const auto peers = document.find("peers");
  if (peers == document.end() || !peers->is_array()) {
    return refuse(LoadOutcome::unparsable, "no \"peers\" array", now);
  }

  LoadReport report{LoadOutcome::loaded, 0, 0, std::nullopt, {}};
  std::vector<PeerRecord> records;
  records.reserve(peers->size());
  for (const json& entry : *peers) {
    std::string fault;
    if (auto record = peer_record_from_json(entry, fault)) {
      records.push_back(std::move(*record));
    } else {
      if (report.skipped_records++ == 0) report.detail = fault;
    }
  }
  std::vector<SubnetBan> subnet_bans;
  if (const auto bans = document.find("subnet_bans"); bans != document.end() && bans->is_array()) {
    for (const json& entry : *bans) {
      const auto text = entry.find("subnet");
      const auto until = entry.find("until");
      std::optional<Subnet> subnet;
      if (entry.is_object() && text != entry.end() && text->is_string() && until != entry.end() &&
          until->is_number_integer()) {
        subnet = Subnet::parse(text->get<std::string>());
      }
      if (!subnet) {
        if (report.skipped_records++ == 0) report.detail = "invalid subnet ban " + entry.dump();
        continue;
      }
      SubnetBan ban{*subnet, "", 0, until->get<std::int64_t>()};
      if (auto r = entry.find("reason"); r != entry.end() && r->is_string()) ban.reason = *r;
      if (auto c = entry.find("created"); c != entry.end() && c->is_number_integer()) {
        ban.created = *c;
      }
      // An expired ban is not brought back.
      if (ban.until > now) subnet_bans.push_back(std::move(ban));
    }
  }
  document = json();
  for (auto& ban : subnet_bans)
    into.ban_subnet(std::move(ban));

  for (PeerRecord& record : records) {
    std::string described = record.ip + ":" + std::to_string(record.port);
    if (auto inserted = into.insert(std::move(record)); inserted) {
      ++report.loaded_records;
    } else if (report.skipped_records++ == 0) {
      report.detail = described + ": " + inserted.error().message();
    }
  }

  options_.logger->info("loaded {} peers from peer store {}", report.loaded_records,
                        path_.string());
  if (report.skipped_records > 0) {
    options_.logger->warn("skipped {} invalid peer entries in peer store {} (first: {})",
                          report.skipped_records, path_.string(), report.detail);
  }
  return report;
}

boost::system::result<std::uint64_t> PeerStoreFile::save(const PeerStore& store,
                                                         UnixSeconds now) const {
  PeerStoreSnapshot snapshot = store.snapshot_with_generation();
  json peers = json::array();
  for (const PeerRecord& record : snapshot.records)
    peers.push_back(peer_record_to_json(record));
  json document{{"version", kPeerStoreSchemaVersion},
                {"network", net::network_name(network_)},
                {"saved_at", now},
                {"peers", std::move(peers)}};
  // Optional in the schema: files without it load as before.
  json subnet_bans = json::array();
  for (const SubnetBan& ban : store.subnet_bans()) {
    subnet_bans.push_back({{"subnet", ban.subnet.to_string()},
                           {"reason", ban.reason},
                           {"created", ban.created},
                           {"until", ban.until}});
  }
  if (!subnet_bans.empty()) document["subnet_bans"] = std::move(subnet_bans);
  // User agents come off the wire and need not be UTF-8; replace such bytes rather than
  // fail the save.
  std::string text = document.dump(1, ' ', false, json::error_handler_t::replace);
  text.push_back('\n');

  auto fail = [&](std::string_view step) -> boost::system::result<std::uint64_t> {
    boost::system::error_code ec = last_system_error();
    options_.logger->warn("saving peer store {} failed ({}: {}); the previous file is unchanged",
                          path_.string(), step, ec.message());
    return ec;
  };

  TempFile temp(path_);
  if (!temp.created()) return fail("create temp file");
  if (!temp.write_all(text)) return fail("write");
  if (!temp.sync()) return fail("fsync");
  if (!temp.close()) return fail("close");
  if (!temp.rename_over(path_)) return fail("rename");
  if (!sync_directory(path_.parent_path())) {
    // The new file is in place; only its durability across a crash is in doubt.
    boost::system::error_code ec = last_system_error();
    options_.logger->warn("peer store {} saved but its directory could not be synced: {}",
                          path_.string(), ec.message());
    return ec;
  }
  return snapshot.generation;
}

}  // namespace bsvpeer::peer
