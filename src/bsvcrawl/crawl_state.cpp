#include "crawl_state.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace bsvpeer::crawl {

using nlohmann::json;

void add_progress_sample(std::vector<ProgressSample>& samples, ProgressSample sample,
                         std::size_t max) {
  samples.push_back(sample);
  if (samples.size() <= max) return;
  std::vector<ProgressSample> thinned;
  thinned.reserve(samples.size() / 2 + 1);
  for (std::size_t i = 0; i + 1 < samples.size(); i += 2)
    thinned.push_back(samples[i]);
  thinned.push_back(samples.back());
  samples = std::move(thinned);
}

json state_to_json(const CrawlState& s) {
  json progress = json::array();
  for (const auto& p : s.progress) {
    progress.push_back(json{{"t_s", p.t_s},
                            {"known", p.known},
                            {"contacted", p.contacted},
                            {"answered", p.answered},
                            {"bsv", p.bsv}});
  }
  json nodes = json::array();
  for (const auto& [endpoint, record] : s.nodes)
    nodes.push_back(record);
  return json{{"schema", "bsvcrawl-state"},
              {"version", kCrawlStateVersion},
              {"network", s.network},
              {"round", s.round},
              {"rounds_completed", s.rounds_completed},
              {"round_started_at", s.round_started_at},
              {"round_ended_at", s.round_ended_at},
              {"crawl_seconds", s.crawl_seconds},
              {"progress", progress},
              {"nodes", nodes}};
}

CrawlState state_from_json(const json& j) {
  if (j.at("schema").get<std::string>() != "bsvcrawl-state") {
    throw std::invalid_argument("not a bsvcrawl state file");
  }
  if (j.at("version").get<int>() != kCrawlStateVersion) {
    throw std::invalid_argument("state version " + j.at("version").dump() + " is not " +
                                std::to_string(kCrawlStateVersion));
  }
  CrawlState s;
  s.network = j.at("network").get<std::string>();
  s.round = j.at("round").get<std::uint64_t>();
  s.rounds_completed = j.at("rounds_completed").get<std::uint64_t>();
  s.round_started_at = j.at("round_started_at").get<UnixSeconds>();
  s.round_ended_at = j.at("round_ended_at").get<UnixSeconds>();
  s.crawl_seconds = j.at("crawl_seconds").get<double>();
  for (const auto& p : j.at("progress")) {
    s.progress.push_back(ProgressSample{p.at("t_s").get<double>(), p.at("known").get<std::size_t>(),
                                        p.at("contacted").get<std::size_t>(),
                                        p.at("answered").get<std::size_t>(),
                                        p.at("bsv").get<std::size_t>()});
  }
  for (const auto& n : j.at("nodes")) {
    NodeRecord r = node_record_from_json(n);
    auto endpoint = r.endpoint;
    if (!s.nodes.emplace(endpoint, std::move(r)).second) {
      throw std::invalid_argument("duplicate node " + peer::to_string(endpoint));
    }
  }
  return s;
}

LoadedState load_state(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return StateMissing{};
  std::ifstream in(path, std::ios::binary);
  if (!in) return StateError{"cannot open " + path.string()};
  try {
    return state_from_json(json::parse(in));
  } catch (const std::exception& e) {
    return StateError{path.string() + ": " + e.what()};
  }
}

std::string write_file_atomic(const std::filesystem::path& path, std::string_view text) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return "open " + tmp.string() + ": " + std::strerror(errno);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return "write " + tmp.string() + ": " + why;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return "fsync " + tmp.string() + ": " + why;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return "rename to " + path.string() + ": " + why;
  }
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

std::string save_state(const std::filesystem::path& path, const CrawlState& state) {
  return write_file_atomic(path, state_to_json(state).dump());
}

}  // namespace bsvpeer::crawl
