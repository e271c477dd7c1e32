#pragma once
// The program's log: the console and debug.log in the network's data directory, as bitcoind
// has them (-printtoconsole, -debuglogfile, -shrinkdebugfile), with the level of -debug.
//
// debug.log is written through an spdlog rotating sink inside a dist sink, so SIGHUP can swap
// in a freshly opened file under the sink's own lock while other threads keep logging: after
// logrotate moves debug.log away, the next line goes to a new debug.log.
#include <spdlog/logger.h>
#include <spdlog/sinks/dist_sink.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace bsvpeer::program {

struct LogSettings {
  std::string level = "info";
  std::filesystem::path file;  // empty: no log file (-debuglogfile=0)
  bool console = true;
  bool shrink = false;  // cut the file to its last kShrinkKeepBytes at startup
};

// bitcoind's figures: a debug.log over 11 MB is cut to its last 10 MB at startup.
inline constexpr std::uintmax_t kShrinkKeepBytes = 10'000'000;
// The rotating sink's limits, a bound on the disk a node writes without logrotate.
inline constexpr std::size_t kLogFileMaxBytes = 100 * 1024 * 1024;
inline constexpr std::size_t kLogFileRotations = 5;

// Keeps the last `keep` bytes of `path` when it is more than 10 % larger; starts the kept part
// at a line boundary. Returns an error text, or nullopt (also when there was nothing to do).
std::optional<std::string> shrink_log_file(const std::filesystem::path& path, std::uintmax_t keep);

class ProgramLog {
 public:
  // A console-only log until open_file(): the data directory may not exist yet.
  explicit ProgramLog(const LogSettings& settings);

  // The program's logger, and the one connections log through (same sinks, same level).
  std::shared_ptr<spdlog::logger> log() const { return log_; }
  std::shared_ptr<spdlog::logger> connection_log() const { return connection_log_; }

  // Opens settings.file (shrinking it first when asked); an error text if it cannot.
  std::optional<std::string> open_file();
  // SIGHUP: the new level and console switch, and the log file reopened at its (new) path.
  std::optional<std::string> reload(const LogSettings& settings);

 private:
  std::optional<std::string> attach_file();
  void apply_level();

  LogSettings settings_;
  std::shared_ptr<spdlog::sinks::dist_sink_mt> console_;
  std::shared_ptr<spdlog::sinks::dist_sink_mt> file_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<spdlog::logger> connection_log_;
};

}  // namespace bsvpeer::program
