#pragma once
// The PeerStore on disk: one versioned JSON document per data dir (design.md §5). Peer files
// are disposable (anchors.md §9, lesson 4): a file we cannot trust is moved aside with one
// WARN line and the node starts empty; a save never leaves a half-written file behind (temp
// file in the same directory, fsync, rename, fsync of the directory).
#include <bsvpeer/net/network.hpp>
#include <bsvpeer/peer/peer_record.hpp>
#include <bsvpeer/peer/peer_store.hpp>

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace bsvpeer::peer {

inline constexpr int kPeerStoreSchemaVersion = 1;

enum class LoadOutcome {
  loaded,         // records read (some may have been skipped, see skipped_records)
  missing,        // no file yet: normal on a first start
  unparsable,     // not JSON, or not the document's shape       -> moved aside
  wrong_version,  // a schema version we do not read             -> moved aside
  wrong_network,  // written for another network                 -> moved aside
  too_large,      // above max_file_size, refused before reading -> moved aside
  unreadable,     // exists but cannot be read (permissions, not a regular file): left in place
};

std::string_view to_string(LoadOutcome outcome) noexcept;

struct LoadReport {
  LoadOutcome outcome = LoadOutcome::missing;
  std::size_t loaded_records = 0;
  std::size_t skipped_records = 0;  // invalid or duplicate entries in an otherwise good file
  // Where an untrusted file went; empty if it was not moved (or moving it failed).
  std::optional<std::filesystem::path> moved_aside_to;
  std::string detail;  // human-readable: the parse error, the first skipped record's fault

  // True when the store holds what the file held: loaded or missing.
  bool ok() const noexcept {
    return outcome == LoadOutcome::loaded || outcome == LoadOutcome::missing;
  }
};

struct PeerStoreFileOptions {
  std::uintmax_t max_file_size = 64u << 20;  // 64 MiB; ~150 k records
  // Defaults to a logger with a null sink; the library never touches spdlog's global state.
  std::shared_ptr<spdlog::logger> logger;
};

class PeerStoreFile {
 public:
  PeerStoreFile(std::filesystem::path path, net::NetworkId network,
                PeerStoreFileOptions options = {});

  const std::filesystem::path& path() const noexcept { return path_; }

  // Reads the file into `into` (normally an empty store at startup). The document is parsed
  // and checked whole before any record is inserted, so an untrusted file adds nothing.
  // `now` names the aside file: "<path>.corrupt-<now>".
  LoadReport load(PeerStore& into, UnixSeconds now) const;

  // Writes the store atomically and returns the store generation it wrote, so the owner can
  // skip the next save if nothing changed. On failure the previous file is untouched, the
  // temp file is removed, a WARN line names the failed step, and the error is returned. The
  // one exception is a failed fsync of the directory after the rename: the new file is then
  // in place, but whether it survives a power cut is in doubt, so that is an error too.
  boost::system::result<std::uint64_t> save(const PeerStore& store, UnixSeconds now) const;

 private:
  std::optional<std::filesystem::path> move_aside(UnixSeconds now) const;
  void remove_stale_temp_files() const;
  LoadReport refuse(LoadOutcome outcome, std::string detail, UnixSeconds now) const;

  std::filesystem::path path_;
  net::NetworkId network_;
  PeerStoreFileOptions options_;
};

}  // namespace bsvpeer::peer
