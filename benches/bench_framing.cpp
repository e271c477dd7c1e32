// Frame decoding throughput (wire::FrameDecoder fed in 64 KiB chunks, like a socket read
// loop) beside OpenSSL SHA-256d of the same payload bytes in the same run. SHA-256d is the
// floor: the decoder must hash every payload byte to check the frame checksum, so
// decode/sha256d says how much the decoder adds on top of the hash it cannot avoid.
//
// Figures (1 MB = 10^6 bytes):
//   1MiB  "tx"    below the stream threshold: buffered, handed out whole as a `frame`.
//   64MiB "block" above the 32 MiB threshold: streamed as stream_begin/chunk/end.
//   1GiB  "block" streamed and generated chunk by chunk; never held in memory. Its peak extra
//                 RSS (VmHWM after - VmRSS before, with the high-water mark reset through
//                 /proc/self/clear_refs) is printed.
// Each figure is the best of N runs on the thread CPU clock (see Stopwatch); wall-clock
// figures and medians are printed too. Decode and SHA-256d runs alternate so both see the
// same load.
//
// Output: progress on stderr; one JSON object per figure on stdout, e.g.
//   {"bench":"framing","payload":"64MiB","decode_MBps":..,"sha256d_MBps":..,"ratio":..}
// Options: --payload=1MiB|64MiB|1GiB (run one figure only), --runs=N (runs per figure).
#include <bsvpeer/wire/frame.hpp>
#include <bsvpeer/wire/frame_decoder.hpp>
#include <bsvpeer/wire/sha256.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace bsvpeer::wire;

constexpr Magic kMainnetMagic{0xe3, 0xe1, 0xf3, 0xe8};
constexpr std::size_t kReadChunk = 64 * 1024;  // one socket read
constexpr std::uint64_t kMiB = 1024 * 1024;

// Keeps results observable so the compiler cannot drop the work being timed.
volatile std::uint8_t g_sink = 0;

void fill_pseudo_random(std::uint8_t* out, std::size_t n, std::uint64_t seed) {
  std::uint64_t x = seed;
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 8 == 0) {  // splitmix64
      x += 0x9E3779B97F4A7C15ull;
      std::uint64_t z = x;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      x = z ^ (z >> 31);
    }
    out[i] = static_cast<std::uint8_t>(x >> (8 * (i % 8)));
  }
}

// Both clocks of one timed run. The thread's CPU clock (user + system time of this thread)
// leaves out the time the scheduler gives to other processes, which on a shared 2-core machine
// otherwise dominates runs of half a second; wall time is printed beside it.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Timing {
  double cpu = 0;
  double wall = 0;
};

struct Stopwatch {
  std::chrono::steady_clock::time_point wall_start = std::chrono::steady_clock::now();
  double cpu_start = thread_cpu_seconds();

  Timing elapsed() const {
    return {thread_cpu_seconds() - cpu_start,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count()};
  }
};

// What a decoding run saw; checked after every run so a figure is never of a broken decode.
struct DecodeTally {
  std::uint64_t frames = 0;
  std::uint64_t frame_payload_bytes = 0;
  std::uint64_t stream_begins = 0;
  std::uint64_t stream_ends = 0;
  std::uint64_t stream_bytes = 0;
  std::uint64_t failures = 0;  // drop, fatal, or a stream_end with a checksum error
};

// The body of a socket read loop: hand one read to the decoder until it wants more.
void feed(FrameDecoder& decoder, ByteSpan input, DecodeTally& tally) {
  for (;;) {
    const auto outcome = decoder.next(input);
    switch (outcome.kind) {
      case FrameDecoder::Kind::need_more:
        return;
      case FrameDecoder::Kind::frame:
        ++tally.frames;
        tally.frame_payload_bytes += decoder.payload().size();
        break;
      case FrameDecoder::Kind::stream_begin:
        ++tally.stream_begins;
        break;
      case FrameDecoder::Kind::stream_chunk:
        tally.stream_bytes += decoder.chunk().size();
        break;
      case FrameDecoder::Kind::stream_end:
        ++tally.stream_ends;
        if (outcome.error != Error::ok) ++tally.failures;
        break;
      case FrameDecoder::Kind::drop:
      case FrameDecoder::Kind::fatal:
        ++tally.failures;
        return;
    }
  }
}

bool tally_is_one_good_frame(const DecodeTally& t, std::uint64_t payload_size, bool streamed) {
  if (t.failures != 0) return false;
  if (streamed) {
    return t.frames == 0 && t.stream_begins == 1 && t.stream_ends == 1 &&
           t.stream_bytes == payload_size;
  }
  return t.frames == 1 && t.stream_begins == 0 && t.frame_payload_bytes == payload_size;
}

struct Figure {
  std::string label;
  std::string command;
  bool streamed = false;
  bool generated = false;  // fed chunk by chunk from a generator, never held whole
  std::uint64_t payload_bytes = 0;
  std::vector<Timing> decode_times;
  std::vector<Timing> sha256d_times;
  std::optional<double> peak_extra_rss_mib;
  bool hwm_reset = false;
  bool ok = true;
};

std::vector<double> sorted_seconds(const std::vector<Timing>& times, double Timing::*clock) {
  std::vector<double> out;
  for (const auto& t : times)
    out.push_back(t.*clock);
  std::sort(out.begin(), out.end());
  return out;
}
double best(const std::vector<Timing>& times, double Timing::*clock) {
  return sorted_seconds(times, clock).front();
}
double median(const std::vector<Timing>& times, double Timing::*clock) {
  const auto sorted = sorted_seconds(times, clock);
  return sorted[sorted.size() / 2];
}

// The whole frame sits in memory; reads are 64 KiB slices of it.
void run_in_memory(Figure& fig, int runs) {
  Bytes payload(fig.payload_bytes);
  fill_pseudo_random(payload.data(), payload.size(), fig.payload_bytes);
  Bytes frame;
  if (!append_frame(frame, kMainnetMagic, fig.command, payload)) {
    std::fprintf(stderr, "append_frame failed for %s\n", fig.label.c_str());
    fig.ok = false;
    return;
  }
  FrameDecoder decoder(kMainnetMagic);  // one per connection: reused across frames
  const ByteSpan frame_span(frame);
  for (int run = 0; run < runs; ++run) {
    DecodeTally tally;
    Stopwatch watch;
    for (std::size_t offset = 0; offset < frame_span.size(); offset += kReadChunk) {
      feed(decoder, frame_span.subspan(offset, std::min(kReadChunk, frame_span.size() - offset)),
           tally);
    }
    fig.decode_times.push_back(watch.elapsed());
    if (!tally_is_one_good_frame(tally, fig.payload_bytes, fig.streamed)) fig.ok = false;

    watch = Stopwatch{};
    const Hash256 digest = sha256d(payload);
    fig.sha256d_times.push_back(watch.elapsed());
    g_sink = g_sink ^ digest[0];
    if (!std::equal(digest.begin(), digest.begin() + 4, frame.begin() + 20)) fig.ok = false;
  }
}

struct MemoryStatus {
  double rss_mib = 0;
  double hwm_mib = 0;
};

MemoryStatus read_memory_status() {
  MemoryStatus m;
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    long kib = 0;
    if (std::sscanf(line.c_str(), "VmRSS: %ld kB", &kib) == 1) m.rss_mib = kib / 1024.0;
    if (std::sscanf(line.c_str(), "VmHWM: %ld kB", &kib) == 1) m.hwm_mib = kib / 1024.0;
  }
  return m;
}

// Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0).
bool reset_rss_high_water_mark() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

// A payload of `total` bytes that repeats a 1 MiB pseudo-random pattern. The pattern buffer
// carries a copy of its first 64 KiB after its end, so every 64 KiB read at any offset is one
// contiguous slice of it: reads cost no copy, as if the socket wrote into our buffer.
class RepeatingPayload {
 public:
  explicit RepeatingPayload(std::uint64_t total) : total_(total), pattern_(kPeriod + kReadChunk) {
    fill_pseudo_random(pattern_.data(), kPeriod, total);
    std::memcpy(pattern_.data() + kPeriod, pattern_.data(), kReadChunk);
  }
  std::uint64_t size() const { return total_; }
  // Up to 64 KiB of the payload starting at `offset`.
  ByteSpan slice(std::uint64_t offset, std::size_t length) const {
    length = static_cast<std::size_t>(std::min<std::uint64_t>(length, total_ - offset));
    return ByteSpan(pattern_.data() + offset % kPeriod, std::min(length, kReadChunk));
  }

 private:
  static constexpr std::size_t kPeriod = 1 * kMiB;
  std::uint64_t total_;
  Bytes pattern_;
};

// The frame is produced read by read: the first read is the header plus the payload's start,
// every later one a 64 KiB slice of the repeating payload.
void run_generated(Figure& fig, int runs) {
  const RepeatingPayload payload(fig.payload_bytes);

  // Reset before anything of this case runs: the peak covers the decoder and the hasher only
  // (the 1 MiB pattern above is the "socket", already resident).
  fig.hwm_reset = reset_rss_high_water_mark();
  const MemoryStatus before = read_memory_status();

  std::array<std::uint8_t, 4> frame_checksum{};
  FrameDecoder decoder(kMainnetMagic);
  Sha256 hasher;
  Bytes first_read;
  for (int run = 0; run < runs; ++run) {
    // SHA-256d over the same bytes, fed in the same 64 KiB pieces. The first run also yields
    // the frame checksum, so it comes before the first decode.
    Stopwatch watch;
    for (std::uint64_t offset = 0; offset < payload.size(); offset += kReadChunk) {
      hasher.update(payload.slice(offset, kReadChunk));
    }
    const Hash256 digest = sha256_of_hash(hasher.final());
    fig.sha256d_times.push_back(watch.elapsed());
    g_sink = g_sink ^ digest[0];
    if (run == 0) {
      std::copy(digest.begin(), digest.begin() + 4, frame_checksum.begin());
      auto header = encode_frame_header(kMainnetMagic, fig.command, payload.size(), frame_checksum);
      if (!header) {
        fig.ok = false;
        return;
      }
      first_read = *header;
      const ByteSpan head = payload.slice(0, kReadChunk - first_read.size());
      first_read.insert(first_read.end(), head.begin(), head.end());
    } else if (!std::equal(frame_checksum.begin(), frame_checksum.end(), digest.begin())) {
      fig.ok = false;
    }

    DecodeTally tally;
    watch = Stopwatch{};
    feed(decoder, first_read, tally);
    for (std::uint64_t offset = kReadChunk - kHeaderSize; offset < payload.size();
         offset += kReadChunk) {
      feed(decoder, payload.slice(offset, kReadChunk), tally);
    }
    fig.decode_times.push_back(watch.elapsed());
    if (!tally_is_one_good_frame(tally, fig.payload_bytes, fig.streamed)) fig.ok = false;
  }

  const MemoryStatus after = read_memory_status();
  fig.peak_extra_rss_mib = after.hwm_mib - before.rss_mib;
}

void print_figure(const Figure& fig) {
  const double mb = static_cast<double>(fig.payload_bytes) / 1e6;
  const double decode_mbps = mb / best(fig.decode_times, &Timing::cpu);
  const double sha_mbps = mb / best(fig.sha256d_times, &Timing::cpu);
  const double decode_wall_mbps = mb / best(fig.decode_times, &Timing::wall);
  const double sha_wall_mbps = mb / best(fig.sha256d_times, &Timing::wall);
  std::printf(
      "{\"bench\":\"framing\",\"payload\":\"%s\",\"command\":\"%s\",\"mode\":\"%s\","
      "\"payload_bytes\":%llu,\"read_bytes\":%zu,\"runs\":%zu,\"decode_MBps\":%.1f,"
      "\"sha256d_MBps\":%.1f,\"ratio\":%.3f,\"decode_MBps_median\":%.1f,"
      "\"sha256d_MBps_median\":%.1f,\"decode_MBps_wall\":%.1f,\"sha256d_MBps_wall\":%.1f,"
      "\"ratio_wall\":%.3f,\"clock\":\"thread_cpu\"",
      fig.label.c_str(), fig.command.c_str(),
      fig.streamed ? (fig.generated ? "streamed,generated" : "streamed") : "buffered",
      static_cast<unsigned long long>(fig.payload_bytes), kReadChunk, fig.decode_times.size(),
      decode_mbps, sha_mbps, decode_mbps / sha_mbps, mb / median(fig.decode_times, &Timing::cpu),
      mb / median(fig.sha256d_times, &Timing::cpu), decode_wall_mbps, sha_wall_mbps,
      decode_wall_mbps / sha_wall_mbps);
  if (fig.peak_extra_rss_mib) {
    std::printf(",\"peak_extra_rss_MiB\":%.2f,\"rss_goal_MiB\":32,\"hwm_reset\":%s",
                *fig.peak_extra_rss_mib, fig.hwm_reset ? "true" : "false");
  }
  std::printf(",\"verified\":%s}\n", fig.ok ? "true" : "false");
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::string only;
  int runs_override = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--payload=", 0) == 0) {
      only = arg.substr(10);
    } else if (arg.rfind("--runs=", 0) == 0) {
      runs_override = std::atoi(arg.c_str() + 7);
    } else {
      std::fprintf(stderr, "usage: %s [--payload=1MiB|64MiB|1GiB] [--runs=N]\n", argv[0]);
      return 2;
    }
  }

  struct Plan {
    Figure figure;
    int runs;
  };
  // The generated 1 GiB case runs first, before the process has ever held a large buffer, so
  // its peak is measured from a small baseline even where clear_refs is unavailable.
  std::vector<Plan> plans{
      {{"1GiB", "block", true, true, 1024 * kMiB, {}, {}, {}, false, true}, 3},
      {{"1MiB", "tx", false, false, 1 * kMiB, {}, {}, {}, false, true}, 300},
      {{"64MiB", "block", true, false, 64 * kMiB, {}, {}, {}, false, true}, 7},
  };

  // Warm OpenSSL (digest fetch, CPU dispatch) outside every measurement.
  g_sink = sha256d(Bytes(4096, 1))[0];

  bool all_ok = true;
  std::vector<Figure> done;
  for (auto& plan : plans) {
    if (!only.empty() && plan.figure.label != only) continue;
    const int runs = runs_override > 0 ? runs_override : plan.runs;
    std::fprintf(stderr, "framing %s (%s), %d runs...\n", plan.figure.label.c_str(),
                 plan.figure.command.c_str(), runs);
    if (plan.figure.generated) {
      run_generated(plan.figure, runs);
    } else {
      run_in_memory(plan.figure, runs);
    }
    if (plan.figure.decode_times.empty()) {
      std::fprintf(stderr, "framing %s: no run completed\n", plan.figure.label.c_str());
      return 1;
    }
    all_ok = all_ok && plan.figure.ok;
    done.push_back(plan.figure);
  }
  if (done.empty()) {
    std::fprintf(stderr, "no figure matches --payload=%s\n", only.c_str());
    return 2;
  }
  // Printed in payload-size order, whatever order they ran in.
  std::sort(done.begin(), done.end(),
            [](const Figure& a, const Figure& b) { return a.payload_bytes < b.payload_bytes; });
  for (const auto& fig : done)
    print_figure(fig);
  if (!all_ok) std::fprintf(stderr, "a decode or checksum did not verify (\"verified\":false)\n");
  return all_ok ? 0 : 1;
}
