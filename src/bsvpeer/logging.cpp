#include "logging.hpp"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

namespace bsvpeer::program {

namespace fs = std::filesystem;

namespace {
constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v";
}

std::optional<std::string> shrink_log_file(const fs::path& path, std::uintmax_t keep) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec || size <= keep + keep / 10) return std::nullopt;
  std::vector<char> tail;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "cannot read " + path.string();
    in.seekg(static_cast<std::streamoff>(size - keep));
    tail.resize(keep);
    in.read(tail.data(), static_cast<std::streamsize>(keep));
    tail.resize(static_cast<std::size_t>(in.gcount()));
  }
  // Start at the first whole line, so the file does not open with half a line.
  std::size_t from = 0;
  while (from < tail.size() && tail[from] != '\n')
    ++from;
  from = from < tail.size() ? from + 1 : 0;
  const auto tmp = fs::path(path.string() + ".shrink");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return "cannot write " + tmp.string() + ": " + std::strerror(errno);
    out.write(tail.data() + from, static_cast<std::streamsize>(tail.size() - from));
    if (!out) return "cannot write " + tmp.string();
  }
  fs::rename(tmp, path, ec);
  if (ec) return "cannot replace " + path.string() + ": " + ec.message();
  return std::nullopt;
}

ProgramLog::ProgramLog(const LogSettings& settings)
    : settings_(settings),
      console_(std::make_shared<spdlog::sinks::dist_sink_mt>()),
      file_(std::make_shared<spdlog::sinks::dist_sink_mt>()) {
  if (settings_.console) {
    console_->add_sink(std::make_shared<spdlog::sinks::stdout_color_sink_mt>());
  }
  log_ = std::make_shared<spdlog::logger>("bsvpeer", spdlog::sinks_init_list{console_, file_});
  log_->set_pattern(kPattern);
  log_->flush_on(spdlog::level::trace);
  connection_log_ = log_->clone("bsvpeer.conn");
  apply_level();
}

void ProgramLog::apply_level() {
  const auto level = spdlog::level::from_str(settings_.level);
  log_->set_level(level);
  connection_log_->set_level(level);
}

std::optional<std::string> ProgramLog::attach_file() {
  if (settings_.file.empty()) {
    file_->set_sinks({});
    return std::nullopt;
  }
  try {
    auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_st>(
        settings_.file.string(), kLogFileMaxBytes, kLogFileRotations);
    sink->set_pattern(kPattern);
    // Swapped under the dist sink's lock: a line being written goes wholly to one file.
    file_->set_sinks({sink});
  } catch (const std::exception& e) {
    return "cannot open the log file " + settings_.file.string() + ": " + e.what();
  }
  return std::nullopt;
}

std::optional<std::string> ProgramLog::open_file() {
  if (!settings_.file.empty() && settings_.shrink) {
    if (auto e = shrink_log_file(settings_.file, kShrinkKeepBytes)) return e;
  }
  return attach_file();
}

std::optional<std::string> ProgramLog::reload(const LogSettings& settings) {
  settings_ = settings;
  if (settings_.console) {
    if (console_->sinks().empty()) {
      console_->set_sinks({std::make_shared<spdlog::sinks::stdout_color_sink_mt>()});
      console_->set_pattern(kPattern);
    }
  } else {
    console_->set_sinks({});
  }
  apply_level();
  return attach_file();
}

}  // namespace bsvpeer::program
