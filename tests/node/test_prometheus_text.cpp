#include <bsvpeer/node/prometheus_text.hpp>

#include <doctest/doctest.h>

#include <limits>

using namespace bsvpeer::node;

TEST_CASE("label values escape backslash, double quote and newline, nothing else") {
  CHECK(escape_label_value("plain") == "plain");
  CHECK(escape_label_value(R"(a\b)") == R"(a\\b)");
  CHECK(escape_label_value(R"(say "hi")") == R"(say \"hi\")");
  CHECK(escape_label_value("two\nlines") == R"(two\nlines)");
  CHECK(escape_label_value("tab\tand spaces, {braces}=") == "tab\tand spaces, {braces}=");
  CHECK(escape_label_value("") == "");
}

TEST_CASE("help text escapes backslash and newline but keeps quotes") {
  CHECK(escape_help("a \"quoted\" \\ help\nline") == "a \"quoted\" \\\\ help\\nline");
}

TEST_CASE("values: integers plain, fractions exact, infinities and NaN as Prometheus spells them") {
  CHECK(format_metric_value(0) == "0");
  CHECK(format_metric_value(42) == "42");
  CHECK(format_metric_value(-3) == "-3");
  CHECK(format_metric_value(18446744073.0) == "18446744073");
  CHECK(format_metric_value(0.25) == "0.25");
  CHECK(format_metric_value(0.005) == "0.005");
  CHECK(format_metric_value(0.1 + 0.2) == "0.30000000000000004");
  CHECK(format_metric_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_metric_value(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(format_metric_value(std::numeric_limits<double>::quiet_NaN()) == "NaN");
}

TEST_CASE("a page: HELP and TYPE once per family, one line per sample, labels in order") {
  MetricFamily counter{"x_requests_total", "Requests.", MetricType::counter, {}};
  counter.samples.push_back({"", {{"code", "200"}, {"path", "/a\"b"}}, 3});
  counter.samples.push_back({"", {{"code", "404"}, {"path", "/"}}, 0});
  MetricFamily gauge{"x_up", "Up.", MetricType::gauge, {{"", {}, 1}}};
  MetricFamily hist{"x_seconds", "Latency.", MetricType::histogram, {}};
  hist.samples.push_back({"_bucket", {{"le", "0.5"}}, 1});
  hist.samples.push_back({"_bucket", {{"le", "+Inf"}}, 2});
  hist.samples.push_back({"_sum", {}, 1.25});
  hist.samples.push_back({"_count", {}, 2});
  CHECK(prometheus_text({counter, gauge, hist}) ==
        "# HELP x_requests_total Requests.\n"
        "# TYPE x_requests_total counter\n"
        "x_requests_total{code=\"200\",path=\"/a\\\"b\"} 3\n"
        "x_requests_total{code=\"404\",path=\"/\"} 0\n"
        "# HELP x_up Up.\n"
        "# TYPE x_up gauge\n"
        "x_up 1\n"
        "# HELP x_seconds Latency.\n"
        "# TYPE x_seconds histogram\n"
        "x_seconds_bucket{le=\"0.5\"} 1\n"
        "x_seconds_bucket{le=\"+Inf\"} 2\n"
        "x_seconds_sum 1.25\n"
        "x_seconds_count 2\n");
  CHECK(prometheus_text({}).empty());
}
