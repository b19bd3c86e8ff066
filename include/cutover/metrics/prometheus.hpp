#pragma once
// Prometheus text exposition format 0.0.4 for `GET /metrics`: per-(route, backend) request
// counters and latency histograms from a Scrape, plus any other counters and gauges the gateway
// hands over as plain samples (connections, reloads, upstream failures, overrides, ...).
// Control path (admin thread): allocation is fine here.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/metrics/registry.hpp"

namespace cutover::metrics {

// The Content-Type of a /metrics response.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType { kCounter, kGauge };

struct Label {
  std::string name;   // [a-zA-Z_][a-zA-Z0-9_]*, chosen by the gateway, never by a client
  std::string value;  // anything; escaped on output
};

// One line of output. Samples sharing a name form one family: one # HELP and # TYPE (taken from
// the first sample of the name), and the family's lines kept together as the format requires.
struct Sample {
  std::string name;  // [a-zA-Z_:][a-zA-Z0-9_:]*
  std::string help;
  MetricType type = MetricType::kCounter;
  std::vector<Label> labels;
  double value = 0;
};

// The full page: cutover_requests_total{route,backend,code_class} (all five classes, zeros
// included, so a series never appears out of nowhere), cutover_request_duration_seconds
// {route,backend} (cumulative le buckets in seconds, _sum, _count), then `extra` grouped by
// name in order of first appearance. Route and backend names come from scrape.layout. A scrape
// without a layout (no workers) renders only `extra`.
std::string render_prometheus(const Scrape& scrape, std::span<const Sample> extra = {});

// GatewayCounters as samples: those of CUTOVER_GATEWAY_COUNTERS (registry.hpp) in its order
// (cutover_connections_accepted_total, cutover_connections{state}, cutover_local_replies_total
// {reason}, ...), then cutover_reloads_total{result}, cutover_last_reload_successful and
// cutover_active_overrides.
std::vector<Sample> gateway_samples(const GatewayCounters& counters);

// Escaping per the format: label values escape backslash, double quote and newline; HELP text
// escapes backslash and newline.
void append_label_value(std::string& out, std::string_view value);
void append_help_text(std::string& out, std::string_view text);
// A sample value: integers without a fraction, otherwise the shortest round-trip form; +Inf,
// -Inf and NaN spelled as Prometheus expects.
void append_value(std::string& out, double value);

}  // namespace cutover::metrics
