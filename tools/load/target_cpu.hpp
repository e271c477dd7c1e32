#pragma once
// CPU time another process has used, read from /proc: what a bench charges to the target, not
// to the load generator.
#include <optional>

namespace bsvpeer::load {

struct CpuSample {
  double stat_s = 0;   // utime + stime of /proc/PID/stat (clock-tick resolution)
  double sched_s = 0;  // the sum over /proc/PID/task/*/schedstat run times (nanoseconds)
};

// nullopt when the process is gone or /proc cannot be read.
std::optional<CpuSample> read_cpu(int pid);

}  // namespace bsvpeer::load
