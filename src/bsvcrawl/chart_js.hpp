#pragma once
// Chart.js (Debian's libjs-chart.js), embedded at build time by embed_file.cmake; empty when
// the package was not installed at configure time.
#include <string_view>

namespace bsvpeer::crawl {
std::string_view chart_js_source() noexcept;
}
