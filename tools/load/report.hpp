#pragma once
#include "client.hpp"

namespace bsvpeer::load {

// Nearest-rank percentile of sorted samples (0 when empty).
double percentile(const std::vector<double>& sorted, double p);
double round1(double v);
// min, mean, p50, p90, p99, max of the samples.
json distribution_json(std::vector<double> samples);

json report(const Run& run);
void print_text(const json& j);

}  // namespace bsvpeer::load
