#pragma once
// The Prometheus text exposition format (version 0.0.4), as a pure formatter: metric families
// in, the page a scraper reads out. No registry and no I/O here, so it is tested byte for byte.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bsvpeer::node {

enum class MetricType { counter, gauge, histogram };

std::string_view to_string(MetricType type) noexcept;

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

struct MetricSample {
  // Appended to the family's name: "" for counters and gauges, "_bucket"/"_sum"/"_count" for
  // the lines of a histogram.
  std::string suffix;
  MetricLabels labels;
  double value = 0;
};

struct MetricFamily {
  std::string name;  // e.g. "bsvpeer_connections"
  std::string help;
  MetricType type = MetricType::gauge;
  std::vector<MetricSample> samples;
};

// A label value as the format wants it between quotes: backslash, double quote and newline
// escaped (\\, \", \n).
std::string escape_label_value(std::string_view value);
// HELP text escaping: backslash and newline only.
std::string escape_help(std::string_view text);
// Integers without a fraction or exponent, +Inf/-Inf/NaN spelled as Prometheus spells them.
std::string format_metric_value(double value);

// "# HELP", "# TYPE" and one line per sample, for every family, each line ending in '\n'.
std::string prometheus_text(const std::vector<MetricFamily>& families);

// The Content-Type a /metrics answer carries for this format.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

}  // namespace bsvpeer::node
