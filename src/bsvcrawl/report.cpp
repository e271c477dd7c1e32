#include "report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace bsvpeer::crawl {

using nlohmann::json;

CrawlReport build_report(const CrawlState& state, UnixSeconds now, const VerdictRules& rules) {
  CrawlReport report;
  report.state = &state;
  report.generated_at = now;
  std::vector<std::int32_t> heights;
  for (const auto& [endpoint, record] : state.nodes) {
    const Observation o = observation_of(record);
    if (bsv_candidate(o)) heights.push_back(o.start_height);
  }
  report.best_bsv_height = best_bsv_height(heights);
  Totals& t = report.totals;
  for (const auto& [endpoint, record] : state.nodes) {
    const Observation o = observation_of(record);
    ClassifiedNode node{&record, classify(o, report.best_bsv_height, rules)};
    ++t.known;
    if (o.contacted) ++t.contacted;
    if (o.handshaked) ++t.answered;
    switch (node.verdict.chain) {
      case Chain::bsv:
        ++t.bsv;
        break;
      case Chain::bch:
        ++t.bch;
        break;
      case Chain::btc:
        ++t.btc;
        break;
      case Chain::unknown:
        ++t.unknown;
        break;
      case Chain::unreachable:
        ++t.unreachable;
        break;
      case Chain::pending:
        ++t.pending;
        break;
    }
    report.nodes.push_back(std::move(node));
  }
  return report;
}

std::string nodes_json(const CrawlReport& report) {
  const CrawlState& s = *report.state;
  const Totals& t = report.totals;
  json nodes = json::array();
  for (const auto& n : report.nodes) {
    json j = *n.record;
    j["verdict"] = std::string(to_string(n.verdict.chain));
    j["verdict_code"] = n.verdict.code;
    j["reasons"] = n.verdict.reasons;
    nodes.push_back(std::move(j));
  }
  json doc{{"schema", "bsvcrawl-nodes"},
           {"version", kNodesSchemaVersion},
           {"network", s.network},
           {"generated_at", report.generated_at},
           {"round", s.round},
           {"rounds_completed", s.rounds_completed},
           {"crawl_seconds", s.crawl_seconds},
           {"best_bsv_height", report.best_bsv_height ? json(*report.best_bsv_height) : json()},
           {"totals", json{{"known", t.known},
                           {"contacted", t.contacted},
                           {"answered", t.answered},
                           {"bsv", t.bsv},
                           {"bch", t.bch},
                           {"btc", t.btc},
                           {"unknown", t.unknown},
                           {"unreachable", t.unreachable},
                           {"pending", t.pending}}},
           {"nodes", std::move(nodes)}};
  return doc.dump(1) + "\n";
}

namespace {

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

template <class T>
std::string opt_text(const std::optional<T>& v) {
  return v ? fmt::format("{}", *v) : std::string();
}

}  // namespace

std::string nodes_csv(const CrawlReport& report) {
  std::string out = std::string(kCsvHeader) + "\r\n";
  for (const auto& n : report.nodes) {
    const NodeRecord& r = *n.record;
    const auto* h = r.handshake ? &*r.handshake : nullptr;
    std::vector<std::string> f{peer::to_string(r.endpoint),
                               r.endpoint.ip,
                               std::to_string(r.endpoint.port),
                               std::string(peer::to_string(r.source)),
                               std::string(to_string(n.verdict.chain)),
                               n.verdict.code,
                               h ? h->user_agent : "",
                               h ? std::to_string(h->version) : "",
                               h ? std::to_string(h->services) : "",
                               h ? std::to_string(h->start_height) : "",
                               h ? (h->protoconf ? "1" : "0") : "",
                               r.rtt_ms ? fmt::format("{:.3f}", *r.rtt_ms) : "",
                               r.addr_answered ? "1" : "0",
                               std::to_string(r.addr_count),
                               std::to_string(r.reliability.rounds_seen),
                               std::to_string(r.reliability.rounds_answered),
                               fmt::format("{:.4f}", r.reliability.uptime()),
                               opt_text(r.reliability.last_success),
                               r.error};
    for (std::size_t i = 0; i < f.size(); ++i) {
      if (i) out += ',';
      out += csv_field(f[i]);
    }
    out += "\r\n";
  }
  return out;
}

std::vector<std::vector<std::string>> parse_csv(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string seed_hosts(const CrawlReport& report, const SeedListOptions& options) {
  std::vector<const ClassifiedNode*> good;
  for (const auto& n : report.nodes) {
    const NodeRecord& r = *n.record;
    if (n.verdict.chain != Chain::bsv || !r.error.empty()) continue;
    if (r.endpoint.port != options.port) continue;
    if (r.reliability.uptime() < options.min_uptime) continue;
    good.push_back(&n);
  }
  std::stable_sort(good.begin(), good.end(), [](const auto* a, const auto* b) {
    return a->record->reliability.windows[0].rate() > b->record->reliability.windows[0].rate();
  });
  if (good.size() > options.max) good.resize(options.max);
  std::string out = fmt::format(
      "# bsvcrawl seed list for {} (network {}, port {}): {} good BSV nodes.\n"
      "# Serve with: dnsmasq --addn-hosts=THIS_FILE (answers A/AAAA for {}).\n",
      options.name, report.state->network, options.port, good.size(), options.name);
  for (const auto* n : good)
    out += n->record->endpoint.ip + " " + options.name + "\n";
  return out;
}

}  // namespace bsvpeer::crawl
