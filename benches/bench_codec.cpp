// Encode and decode throughput of the payload codec (wire::encode_payload /
// wire::decode_payload), per message type, in messages/s and MB/s (1 MB = 10^6 bytes).
//
// Output: one JSON object per line on stdout, one per figure:
//   {"bench":"codec","op":"decode","message":"inv","elements":50000,"payload_bytes":1800003,
//    "msgs_per_s":...,"MBps":...,"iterations":...}
// Google Benchmark's own JSON report is available with --benchmark_out=FILE (its default
// --benchmark_out_format is json); every other --benchmark_* flag works as usual.
#include <bsvpeer/wire/message.hpp>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace {

using namespace bsvpeer::wire;

struct Case {
  std::string message;   // command
  std::size_t elements;  // addresses, inventory items or headers; 1 for scalar messages
  Message value;
};

// A deterministic 32-byte value that differs per index, so hashes are not all equal.
Hash256 numbered_hash(std::uint32_t index) {
  Hash256 h{};
  std::uint64_t x = 0x9E3779B97F4A7C15ull * (index + 1);
  for (std::size_t i = 0; i < h.size(); ++i) {
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    h[i] = static_cast<std::uint8_t>(x >> 56);
  }
  return h;
}

Version sample_version() {
  Version v;
  v.version = 70016;
  v.services = 0x21;
  v.timestamp = 1'700'000'000;
  v.addr_recv = NetAddress::ipv4(127, 0, 0, 1, 8333, 0x21);
  v.addr_from = NetAddress::ipv4(0, 0, 0, 0, 0, 0x21);
  v.nonce = 0x1122334455667788ull;
  v.user_agent = "/bsvpeer:0.1.0/";
  v.start_height = 800'000;
  v.relay = true;
  return v;
}

Addr sample_addr(std::size_t count) {
  Addr a;
  a.entries.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    a.entries.push_back(TimedNetAddress{
        static_cast<std::uint32_t>(1'700'000'000 + i),
        NetAddress::ipv4(10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                         static_cast<std::uint8_t>(i), 8333, 0x21)});
  }
  return a;
}

Inv sample_inv(std::size_t count) {
  Inv inv;
  inv.items.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    inv.items.push_back(InvItem{static_cast<std::uint32_t>(InvType::tx),
                                numbered_hash(static_cast<std::uint32_t>(i))});
  }
  return inv;
}

Headers sample_headers(std::size_t count) {
  Headers h;
  h.headers.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    BlockHeader bh;
    bh.version = 0x20000000;
    bh.prev_block = numbered_hash(static_cast<std::uint32_t>(i));
    bh.merkle_root = numbered_hash(static_cast<std::uint32_t>(i + 1'000'000));
    bh.time = static_cast<std::uint32_t>(1'700'000'000 + 600 * i);
    bh.bits = 0x1d00ffff;
    bh.nonce = static_cast<std::uint32_t>(i * 7919);
    h.headers.push_back(bh);
  }
  return h;
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  cases.push_back({"version", 1, sample_version()});
  cases.push_back({"ping", 1, Ping{0x0102030405060708ull}});
  cases.push_back({"addr", 1000, sample_addr(1000)});
  cases.push_back({"inv", 50'000, sample_inv(50'000)});
  cases.push_back({"headers", 2000, sample_headers(2000)});
  return cases;
}

struct FigureInfo {
  std::string op;
  std::string message;
  std::size_t elements = 0;
  std::size_t payload_bytes = 0;
};

// Registered benchmark name -> what the figure is, for the JSON lines.
std::map<std::string, FigureInfo>& figure_infos() {
  static std::map<std::string, FigureInfo> infos;
  return infos;
}

void encode_bench(benchmark::State& state, const Case& c, std::size_t payload_bytes) {
  Bytes out;
  out.reserve(payload_bytes);
  for (auto _ : state) {
    out.clear();  // a sender reuses its buffer; capacity stays
    encode_payload(c.value, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  if (out.size() != payload_bytes) state.SkipWithError("encoded size changed between runs");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(payload_bytes));
}

void decode_bench(benchmark::State& state, const Case& c, const Bytes& payload) {
  for (auto _ : state) {
    auto decoded = decode_payload(c.message, payload);
    if (!decoded) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(decoded);
  }
  // Outside the timed loop: the decoded message must equal the one encoded.
  auto check = decode_payload(c.message, payload);
  if (!check || *check != c.value) state.SkipWithError("decoded message differs from the input");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(payload.size()));
}

// Prints one JSON object per finished benchmark instead of Google Benchmark's console table.
class JsonLinesReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      const auto info = figure_infos().find(run.run_name.function_name);
      if (info == figure_infos().end()) continue;
      if (run.error_occurred) {
        std::printf("{\"bench\":\"codec\",\"op\":\"%s\",\"message\":\"%s\",\"error\":\"%s\"}\n",
                    info->second.op.c_str(), info->second.message.c_str(),
                    run.error_message.c_str());
        failed_ = true;
        continue;
      }
      const double msgs_per_s = rate(run, "items_per_second");
      const double mb_per_s = rate(run, "bytes_per_second") / 1e6;
      std::printf(
          "{\"bench\":\"codec\",\"op\":\"%s\",\"message\":\"%s\",\"elements\":%zu,"
          "\"payload_bytes\":%zu,\"run\":\"%s\",\"msgs_per_s\":%.1f,\"MBps\":%.1f,"
          "\"iterations\":%lld}\n",
          info->second.op.c_str(), info->second.message.c_str(), info->second.elements,
          info->second.payload_bytes, run.run_name.str().c_str(), msgs_per_s, mb_per_s,
          static_cast<long long>(run.iterations));
      std::fflush(stdout);
    }
  }

  bool failed() const { return failed_; }

 private:
  static double rate(const Run& run, const char* counter) {
    const auto it = run.counters.find(counter);
    return it == run.counters.end() ? 0.0 : it->second.value;
  }

  bool failed_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  // Cases and their encoded payloads live until the benchmarks have run.
  static const std::vector<Case> cases = all_cases();
  static std::vector<Bytes> payloads;
  payloads.reserve(cases.size());
  for (const auto& c : cases)
    payloads.push_back(encode_payload(c.value));

  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const Bytes& payload = payloads[i];
    const std::string suffix = c.elements > 1 ? "_x" + std::to_string(c.elements) : "";
    const std::string encode_name = "encode/" + c.message + suffix;
    const std::string decode_name = "decode/" + c.message + suffix;
    figure_infos()[encode_name] = {"encode", c.message, c.elements, payload.size()};
    figure_infos()[decode_name] = {"decode", c.message, c.elements, payload.size()};
    benchmark::RegisterBenchmark(encode_name.c_str(), [&c, &payload](benchmark::State& s) {
      encode_bench(s, c, payload.size());
    });
    benchmark::RegisterBenchmark(
        decode_name.c_str(), [&c, &payload](benchmark::State& s) { decode_bench(s, c, payload); });
  }

  JsonLinesReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return reporter.failed() ? 1 : 0;
}
