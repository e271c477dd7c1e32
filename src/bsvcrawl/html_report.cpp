#include "html_report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>

namespace bsvpeer::crawl {

using nlohmann::json;

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

// Counts as a chart's labels and values, largest first, the tail folded into "other".
json top_counts(const std::map<std::string, std::size_t>& counts, std::size_t keep) {
  std::vector<std::pair<std::string, std::size_t>> v(counts.begin(), counts.end());
  std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second > b.second; });
  json labels = json::array(), values = json::array();
  std::size_t other = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i < keep) {
      labels.push_back(v[i].first);
      values.push_back(v[i].second);
    } else {
      other += v[i].second;
    }
  }
  if (other) {
    labels.push_back("other");
    values.push_back(other);
  }
  return json{{"labels", labels}, {"values", values}};
}

// An equal-width histogram of `values` in `bins` bins.
json histogram(std::vector<double> values, std::size_t bins, const char* unit) {
  json labels = json::array(), counts = json::array();
  if (values.empty()) return json{{"labels", labels}, {"values", counts}};
  const auto [lo_it, hi_it] = std::minmax_element(values.begin(), values.end());
  const double lo = *lo_it, hi = *hi_it;
  if (hi - lo < 1e-9) {
    labels.push_back(fmt::format("{:g}{}", lo, unit));
    counts.push_back(values.size());
    return json{{"labels", labels}, {"values", counts}};
  }
  std::vector<std::size_t> c(bins, 0);
  const double width = (hi - lo) / static_cast<double>(bins);
  for (double x : values) {
    auto b = static_cast<std::size_t>((x - lo) / width);
    c[std::min(b, bins - 1)]++;
  }
  for (std::size_t i = 0; i < bins; ++i) {
    labels.push_back(
        fmt::format("{:.{}f}{}", lo + width * static_cast<double>(i), width < 10 ? 1 : 0, unit));
    counts.push_back(c[i]);
  }
  return json{{"labels", labels}, {"values", counts}};
}

std::string safe_script_json(const json& j) {
  std::string s = j.dump();
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<') {
      out += "\\u003c";  // no "</script>" inside the data block
    } else {
      out += s[i];
    }
  }
  return out;
}

constexpr const char* kStyle = R"(
body{font-family:sans-serif;margin:16px;color:#222;background:#fff}
h1{font-size:20px}h2{font-size:16px;margin-top:24px}
.totals{display:flex;flex-wrap:wrap;gap:8px}
.total{border:1px solid #ccc;border-radius:4px;padding:6px 10px;min-width:90px}
.total b{display:block;font-size:18px}
.charts{display:flex;flex-wrap:wrap;gap:12px}
.chart{border:1px solid #ddd;padding:6px}
.chart h3{font-size:13px;margin:0 0 4px 0}
table{border-collapse:collapse;font-size:12px}
td,th{border:1px solid #ddd;padding:2px 6px;text-align:left}
.v-bsv{color:#1a7f37}.v-bch{color:#b35900}.v-btc{color:#9a6700}.v-unreachable{color:#888}
#canvas-stats{display:none}
)";

// Draws every chart from the data block, then records how many pixels each canvas painted.
constexpr const char* kScript = R"(
(function(){
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var stats = {};
  var palette = ['#1f77b4','#ff7f0e','#2ca02c','#d62728','#9467bd','#8c564b','#e377c2',
                 '#7f7f7f','#bcbd22','#17becf','#393b79','#637939','#8c6d31','#843c39',
                 '#7b4173','#3182bd'];
  function colours(n){ var c=[]; for(var i=0;i<n;i++) c.push(palette[i%palette.length]); return c; }
  function bar(id, d, label, horizontal, single){
    var el = document.getElementById(id);
    new Chart(el.getContext('2d'), {type:'bar',
      data:{labels:d.labels, datasets:[{label:label, data:d.values,
            backgroundColor:single ? single : colours(d.values.length), borderColor:'#333', borderWidth:1}]},
      options:{animation:false, responsive:false, indexAxis: horizontal ? 'y' : 'x',
               plugins:{legend:{display:false}}}});
  }
  function doughnut(id, d){
    var el = document.getElementById(id);
    new Chart(el.getContext('2d'), {type:'doughnut',
      data:{labels:d.labels, datasets:[{data:d.values, backgroundColor:colours(d.values.length),
            borderColor:'#fff'}]},
      options:{animation:false, responsive:false}});
  }
  function progress(id, p){
    var el = document.getElementById(id);
    var series = [['known','#1f77b4'],['contacted','#ff7f0e'],['answered','#2ca02c'],['bsv','#d62728']];
    new Chart(el.getContext('2d'), {type:'line',
      data:{labels:p.t, datasets:series.map(function(s){
        return {label:s[0], data:p[s[0]], borderColor:s[1], backgroundColor:s[1],
                pointRadius:0, borderWidth:2, fill:false};})},
      options:{animation:false, responsive:false,
               scales:{x:{title:{display:true,text:'seconds'}}}}});
  }
  if (typeof Chart !== 'undefined') {
    bar('chart-ua', data.user_agents, 'nodes', true);
    bar('chart-version', data.versions, 'nodes');
    bar('chart-services', data.services, 'nodes');
    bar('chart-ports', data.ports, 'nodes');
    doughnut('chart-verdicts', data.verdicts);
    bar('chart-heights', data.heights, 'nodes', false, '#1f77b4');
    bar('chart-rtt', data.rtt, 'nodes', false, '#2ca02c');
    progress('chart-progress', data.progress);
  } else {
    document.getElementById('no-charts').style.display = 'block';
  }
  var canvases = document.getElementsByTagName('canvas');
  for (var i = 0; i < canvases.length; i++) {
    var c = canvases[i], painted = 0;
    var px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (var k = 3; k < px.length; k += 4) if (px[k] !== 0) painted++;
    stats[c.id] = {width:c.width, height:c.height, painted:painted};
  }
  document.getElementById('canvas-stats').textContent = JSON.stringify(stats);
})();
)";

}  // namespace

std::string html_report(const CrawlReport& report, std::string_view chart_js) {
  const CrawlState& s = *report.state;
  const Totals& t = report.totals;
  std::map<std::string, std::size_t> uas, versions, services, ports, verdicts;
  std::vector<double> heights, rtts;
  for (const auto& n : report.nodes) {
    const NodeRecord& r = *n.record;
    verdicts[std::string(to_string(n.verdict.chain))]++;
    ports[std::to_string(r.endpoint.port)]++;
    if (!r.handshake || !r.error.empty()) continue;
    uas[r.handshake->user_agent.empty() ? "(empty)" : r.handshake->user_agent]++;
    versions[std::to_string(r.handshake->version)]++;
    services[fmt::format("0x{:x}", r.handshake->services)]++;
    heights.push_back(r.handshake->start_height);
    if (r.rtt_ms) rtts.push_back(*r.rtt_ms);
  }
  json progress{{"t", json::array()},
                {"known", json::array()},
                {"contacted", json::array()},
                {"answered", json::array()},
                {"bsv", json::array()}};
  for (const auto& p : s.progress) {
    progress["t"].push_back(std::round(p.t_s * 10) / 10);
    progress["known"].push_back(p.known);
    progress["contacted"].push_back(p.contacted);
    progress["answered"].push_back(p.answered);
    progress["bsv"].push_back(p.bsv);
  }
  const json data{{"user_agents", top_counts(uas, 15)},   {"versions", top_counts(versions, 15)},
                  {"services", top_counts(services, 15)}, {"ports", top_counts(ports, 15)},
                  {"verdicts", top_counts(verdicts, 10)}, {"heights", histogram(heights, 20, "")},
                  {"rtt", histogram(rtts, 20, " ms")},    {"progress", progress}};

  std::string out;
  out.reserve(chart_js.size() + 4096 + report.nodes.size() * 300);
  out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  out +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src "
      "'none'; form-action 'none'; base-uri 'none'\">\n";
  out += "<title>bsvcrawl report: " + html_escape(s.network) + "</title>\n<style>";
  out += kStyle;
  out += "</style></head><body>\n";
  out += fmt::format(
      "<h1>bsvcrawl: {} network</h1>\n<p>Round {} ({} complete), {:.1f} s of crawling, generated "
      "at {} (Unix time). Best BSV height: {}.</p>\n",
      html_escape(s.network), s.round, s.rounds_completed, s.crawl_seconds, report.generated_at,
      report.best_bsv_height ? std::to_string(*report.best_bsv_height) : "unknown");
  out += "<div class=\"totals\">";
  for (auto [label, value] :
       std::initializer_list<std::pair<const char*, std::size_t>>{{"known", t.known},
                                                                  {"contacted", t.contacted},
                                                                  {"answered", t.answered},
                                                                  {"BSV", t.bsv},
                                                                  {"BCH", t.bch},
                                                                  {"BTC", t.btc},
                                                                  {"unknown", t.unknown},
                                                                  {"unreachable", t.unreachable},
                                                                  {"pending", t.pending}}) {
    out += fmt::format("<div class=\"total\"><b>{}</b>{}</div>", value, label);
  }
  out +=
      "</div>\n<p id=\"no-charts\" style=\"display:none\">Chart.js was not available when "
      "bsvcrawl was built: no charts.</p>\n<div class=\"charts\">\n";
  struct ChartBox {
    const char* id;
    const char* title;
    int w, h;
  };
  for (const auto& c : {ChartBox{"chart-ua", "User agents", 520, 320},
                        ChartBox{"chart-version", "Protocol versions", 360, 240},
                        ChartBox{"chart-services", "Services", 360, 240},
                        ChartBox{"chart-ports", "Ports", 360, 240},
                        ChartBox{"chart-verdicts", "Verdicts", 300, 240},
                        ChartBox{"chart-heights", "Start heights", 520, 240},
                        ChartBox{"chart-rtt", "Ping RTT distribution", 520, 240},
                        ChartBox{"chart-progress", "Progress over time", 520, 260}}) {
    out += fmt::format(
        "<div class=\"chart\"><h3>{}</h3><canvas id=\"{}\" width=\"{}\" height=\"{}\"></canvas>"
        "</div>\n",
        c.title, c.id, c.w, c.h);
  }
  out += "</div>\n<h2>Nodes</h2>\n";
  if (report.nodes.size() > kReportMaxRows) {
    out += fmt::format("<p>The first {} of {} nodes (all are in nodes.json and nodes.csv).</p>\n",
                       kReportMaxRows, report.nodes.size());
  }
  out +=
      "<table><thead><tr><th>address</th><th>verdict</th><th>why</th><th>user agent</th>"
      "<th>version</th><th>services</th><th>height</th><th>RTT ms</th><th>addrs</th>"
      "<th>uptime</th></tr></thead><tbody>\n";
  std::size_t rows = 0;
  for (const auto& n : report.nodes) {
    if (rows++ >= kReportMaxRows) break;
    const NodeRecord& r = *n.record;
    const auto* h = r.handshake ? &*r.handshake : nullptr;
    std::string why;
    for (const auto& reason : n.verdict.reasons)
      why += (why.empty() ? "" : "; ") + reason;
    out += fmt::format(
        "<tr><td>{}</td><td class=\"v-{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{:.0f}%</td></tr>\n",
        html_escape(peer::to_string(r.endpoint)), to_string(n.verdict.chain),
        to_string(n.verdict.chain), html_escape(why), h ? html_escape(h->user_agent) : "",
        h ? std::to_string(h->version) : "", h ? fmt::format("0x{:x}", h->services) : "",
        h ? std::to_string(h->start_height) : "", r.rtt_ms ? fmt::format("{:.2f}", *r.rtt_ms) : "",
        r.addr_count, r.reliability.uptime() * 100);
  }
  out += "</tbody></table>\n<pre id=\"canvas-stats\"></pre>\n";
  out += "<script type=\"application/json\" id=\"report-data\">" + safe_script_json(data) +
         "</script>\n";
  if (!chart_js.empty()) {
    out += "<script>";
    out += chart_js;
    out += "</script>\n";
  }
  out += "<script>";
  out += kScript;
  out += "</script>\n</body></html>\n";
  return out;
}

}  // namespace bsvpeer::crawl
