// The run's report: one JSON object (--json) or a few lines of text.
#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>

namespace bsvpeer::load {

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest sample with at least p% of samples at or below it.
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * sorted.size()));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

double round1(double v) {
  return std::round(v * 10) / 10;
}

json distribution_json(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  double sum = 0;
  for (double v : samples)
    sum += v;
  return json{{"min", round1(samples.empty() ? 0 : samples.front())},
              {"mean", round1(samples.empty() ? 0 : sum / samples.size())},
              {"p50", round1(percentile(samples, 50))},
              {"p90", round1(percentile(samples, 90))},
              {"p99", round1(percentile(samples, 99))},
              {"max", round1(samples.empty() ? 0 : samples.back())}};
}

namespace {

// Counts by outcome, the time to the outcome over all connections and over each kind.
json storm_json(const Run& run) {
  const auto& r = run.storm;
  constexpr auto kinds = static_cast<std::size_t>(StormOutcome::count_);
  std::array<std::uint64_t, kinds> counts{};
  std::array<std::vector<double>, kinds> times;
  std::vector<double> all;
  std::uint64_t defined = 0;
  for (std::size_t i = 0; i < r.outcome.size(); ++i) {
    const auto k = static_cast<std::size_t>(r.outcome[i]);
    ++counts[k];
    times[k].push_back(r.outcome_ms[i]);
    all.push_back(r.outcome_ms[i]);
    const bool ok = r.outcome[i] != StormOutcome::pending &&
                    r.outcome[i] != StormOutcome::no_outcome && r.outcome[i] != StormOutcome::error;
    defined += ok ? 1 : 0;
  }
  json outcomes = json::object();
  json by_outcome = json::object();
  for (std::size_t k = 1; k < kinds; ++k) {
    outcomes[kStormOutcomeNames[k]] = counts[k];
    if (!times[k].empty()) by_outcome[kStormOutcomeNames[k]] = distribution_json(times[k]);
  }
  const double elapsed = std::chrono::duration<double>(run.attempts_done_at - run.started).count();
  return json{{"connections", run.options.connections},
              {"concurrency", run.options.concurrency},
              {"sources", run.sources.size()},
              {"settle_ms", run.options.settle.count()},
              {"attempted", run.next_index},
              {"outcomes", outcomes},
              {"defined_outcomes", defined},
              {"outcome_ms", distribution_json(all)},
              {"outcome_ms_by_kind", by_outcome},
              {"last_outcome_s", std::round(r.settled_after_s * 1e4) / 1e4},
              {"elapsed_s", std::round(elapsed * 1e4) / 1e4},
              {"hold_seconds", run.options.hold_seconds}};
}

}  // namespace

json report(const Run& run) {
  const auto& o = run.options;
  json j{{"tool", "bsvpeer-load"},
         {"mode", o.mode == Mode::ping     ? "ping"
                  : o.mode == Mode::ingest ? "ingest"
                  : o.mode == Mode::storm  ? "storm"
                                           : "handshake"},
         {"target", run.target.address().to_string() + ":" + std::to_string(run.target.port())},
         {"magic", wire::magic_to_hex(run.magic)},
         {"user_agent", o.user_agent},
         {"timeout_ms", o.timeout.count()}};
  if (run.have_peer) {
    j["peer"] = {{"version", run.first_peer.version},
                 {"user_agent", run.first_peer.user_agent},
                 {"services", run.first_peer.services}};
  }
  if (o.mode == Mode::handshake) {
    const double elapsed =
        std::chrono::duration<double>(run.attempts_done_at - run.started).count();
    j["connections"] = o.connections;
    j["concurrency"] = o.concurrency;
    j["close"] = o.close == CloseStyle::rst ? "rst" : "fin";
    j["sources"] = run.sources.size();
    j["attempted"] = run.next_index;  // below `connections` only when the run was stopped
    j["completed"] = run.latencies_us.size();
    j["latency_us"] = distribution_json(run.latencies_us);
    j["elapsed_s"] = std::round(elapsed * 1e4) / 1e4;
    j["handshakes_per_s"] = round1(elapsed > 0 ? run.latencies_us.size() / elapsed : 0);
    if (!run.progress.empty()) {
      json marks = json::array();
      for (const auto& m : run.progress) {
        marks.push_back({{"completed", m.completed},
                         {"elapsed_s", m.elapsed_s},
                         {"target_cpu_stat_s", m.cpu.stat_s},
                         {"target_cpu_sched_s", m.cpu.sched_s}});
      }
      j["target_pid"] = o.target_pid;
      j["progress"] = marks;
    }
    j["hold"] = o.hold;
    if (o.hold) {
      j["hold_seconds"] = o.hold_seconds;
      j["held_at_end"] = run.held_at_end.value_or(0);
      j["ping_every_s"] = o.ping_every_s;
      j["pings_sent"] = run.pings_sent;
      j["pongs_received"] = run.pongs_received;
    }
  } else if (o.mode == Mode::storm) {
    j.update(storm_json(run));
  } else if (o.mode == Mode::ingest) {
    const double mib =
        static_cast<double>(o.messages) * static_cast<double>(o.message_bytes) / (1024.0 * 1024.0);
    j["messages"] = o.messages;
    j["message_bytes"] = o.message_bytes;
    j["completed"] = run.ingest_done ? o.messages : 0;
    j["elapsed_s"] = std::round(run.ingest_elapsed_s * 1e4) / 1e4;
    j["mib_per_s"] =
        round1(run.ingest_done && run.ingest_elapsed_s > 0 ? mib / run.ingest_elapsed_s : 0);
    j["handshake_us"] = round1(run.ping_handshake_us.value_or(0));
    j["unmatched_pongs"] = run.unmatched_pongs;
  } else {
    j["pings"] = o.pings;
    j["warmup"] = o.warmup;
    j["pipeline"] = o.pipeline;
    j["completed"] = run.ping_completed;
    j["elapsed_s"] = std::round(run.ping_elapsed_s * 1e4) / 1e4;
    j["round_trips_per_s"] =
        round1(run.ping_elapsed_s > 0 ? run.ping_completed / run.ping_elapsed_s : 0);
    j["rtt_us"] = distribution_json(run.rtts_us);
    j["handshake_us"] = round1(run.ping_handshake_us.value_or(0));
    j["unmatched_pongs"] = run.unmatched_pongs;
  }
  j["peer_pings_answered"] = run.peer_pings_answered;
  j["errors"] = run.failures.counts_json();
  j["error_total"] = run.failures.total();
  if (run.failures.total() > 0) j["error_samples"] = run.failures.samples_json();
  if (run.stopping) j["stopped"] = run.stop_reason;
  const bool all_done = o.mode == Mode::storm    ? j["defined_outcomes"] == o.connections
                        : o.mode == Mode::ping   ? run.ping_completed == o.pings
                        : o.mode == Mode::ingest ? run.ingest_done
                                                 : run.latencies_us.size() == o.connections;
  j["ok"] = all_done && run.failures.total() == 0 &&
            (!o.hold || o.mode != Mode::handshake || run.held_at_end == run.latencies_us.size());
  return j;
}

void print_text(const json& j) {
  std::cout << "target " << j["target"].get<std::string>() << " magic "
            << j["magic"].get<std::string>();
  if (j.contains("peer")) std::cout << " peer " << j["peer"]["user_agent"].get<std::string>();
  std::cout << "\n";
  if (j["mode"] == "handshake") {
    const auto& l = j["latency_us"];
    std::cout << "handshakes " << j["completed"] << "/" << j["connections"] << " at concurrency "
              << j["concurrency"] << " in " << j["elapsed_s"] << " s: " << j["handshakes_per_s"]
              << " handshakes/s\nlatency us: p50 " << l["p50"] << " p90 " << l["p90"] << " p99 "
              << l["p99"] << " max " << l["max"] << " mean " << l["mean"] << "\n";
    if (j["hold"].get<bool>()) std::cout << "held open at the end: " << j["held_at_end"] << "\n";
  } else if (j["mode"] == "storm") {
    const auto& t = j["outcome_ms"];
    std::cout << "storm of " << j["connections"] << " at concurrency " << j["concurrency"]
              << ": outcomes " << j["outcomes"].dump() << "\ntime to outcome ms: p50 " << t["p50"]
              << " p99 " << t["p99"] << " max " << t["max"] << "\n";
  } else if (j["mode"] == "ingest") {
    std::cout << "ingest " << j["messages"] << " x " << j["message_bytes"] << " bytes in "
              << j["elapsed_s"] << " s: " << j["mib_per_s"] << " MiB/s\n";
  } else {
    const auto& r = j["rtt_us"];
    std::cout << "pings " << j["completed"] << "/" << j["pings"] << " pipeline " << j["pipeline"]
              << " in " << j["elapsed_s"] << " s: " << j["round_trips_per_s"]
              << " round trips/s\nrtt us: mean " << r["mean"] << " p50 " << r["p50"] << " p99 "
              << r["p99"] << " max " << r["max"] << "\n";
  }
  std::cout << "errors: " << j["error_total"];
  if (j.contains("error_samples")) std::cout << " " << j["error_samples"].dump();
  std::cout << "\n" << (j["ok"].get<bool>() ? "ok" : "NOT ok") << "\n";
}

}  // namespace bsvpeer::load
