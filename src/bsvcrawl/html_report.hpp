#pragma once
// The self-contained HTML report: totals, charts (user agents, protocol versions, services,
// ports, verdicts, start heights, RTT distribution, progress over time) drawn by Chart.js
// inlined into the page, and a table of nodes. The page loads nothing: a strict Content
// Security Policy forbids every fetch, and Chart.js comes from the build (chart_js.hpp).
// After drawing, the page writes per-canvas pixel counts into <pre id="canvas-stats"> so a
// headless browser test can check that every chart was drawn.
#include "report.hpp"

#include <string>
#include <string_view>

namespace bsvpeer::crawl {

inline constexpr std::size_t kReportMaxRows = 5000;

// `chart_js`: the Chart.js UMD bundle; empty draws no charts (the page says so).
std::string html_report(const CrawlReport& report, std::string_view chart_js);

// Text safe inside HTML element content and attribute values.
std::string html_escape(std::string_view text);

}  // namespace bsvpeer::crawl
