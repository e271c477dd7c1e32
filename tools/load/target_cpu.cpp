#include "target_cpu.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace bsvpeer::load {

std::optional<CpuSample> read_cpu(int pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  std::ifstream stat(dir + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  // The command name (field 2) may hold spaces: fields are counted after its closing ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  CpuSample s;
  s.stat_s = static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::error_code ec;
  unsigned long long ns = 0;
  for (const auto& task : std::filesystem::directory_iterator(dir + "/task", ec)) {
    std::ifstream sched(task.path() / "schedstat");
    unsigned long long run_ns = 0;
    if (sched >> run_ns) ns += run_ns;
  }
  s.sched_s = static_cast<double>(ns) / 1e9;
  return s;
}

}  // namespace bsvpeer::load
