#include "cutover/metrics/prometheus.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <unordered_map>

namespace cutover::metrics {

namespace {

// kBucketBoundsMs in seconds, spelled out: printing ms / 1000 could give 0.0025000000000000001.
// A unit test checks them against kBucketBoundsMs.
constexpr std::array<std::string_view, kBucketCount> kLeSeconds = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
    "0.25",   "0.5",   "1",      "2.5",   "5",    "10",    "+Inf"};

constexpr std::string_view kRequests = "cutover_requests_total";
constexpr std::string_view kDuration = "cutover_request_duration_seconds";
constexpr std::string_view kFallbacks = "cutover_fallback_requests_total";

void append_uint(std::string& out, std::uint64_t value) {
  std::array<char, 24> buffer{};
  const auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value).ptr;
  out.append(buffer.data(), end);
}

void append_family_header(std::string& out, std::string_view name, std::string_view help,
                          std::string_view type) {
  out.append("# HELP ").append(name).append(" ");
  append_help_text(out, help);
  out.append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
}

void append_label(std::string& out, std::string_view name, std::string_view value, bool first) {
  out.append(first ? "{" : ",").append(name).append("=\"");
  append_label_value(out, value);
  out.append("\"");
}

// `name{route="..",backend=".."` without the closing brace: the caller adds its last label.
void append_cell_prefix(std::string& out, std::string_view name, const MetricsLayout& layout,
                        std::uint32_t cell) {
  out.append(name);
  append_label(out, "route", layout.route_names()[layout.route_of(cell)], true);
  append_label(out, "backend", layout.backend_names()[layout.backend_of(cell)], false);
}

void render_requests(std::string& out, const Scrape& scrape) {
  append_family_header(out, kRequests,
                       "Requests routed to a backend, by route, backend and status class sent to the "
                       "client (502/504 when the backend failed).",
                       "counter");
  for (std::uint32_t c = 0; c < scrape.totals.size(); ++c) {
    for (std::size_t k = 0; k < kCodeClassCount; ++k) {
      append_cell_prefix(out, kRequests, *scrape.layout, c);
      append_label(out, "code_class", kCodeClassNames[k], false);
      out.append("} ");
      append_uint(out, scrape.totals[c].requests[k]);
      out.append("\n");
    }
  }
}

// Only the pairs that ever stood in: most routes have no fallback, and most pairs never serve as one.
void render_fallbacks(std::string& out, const Scrape& scrape) {
  const bool any = std::any_of(scrape.totals.begin(), scrape.totals.end(), [](const CellTotals& t) { return t.fallbacks != 0; });
  if (!any) return;
  append_family_header(out, kFallbacks,
                       "Requests served by the route's fallback backend because the backend the user is "
                       "bucketed to had no usable endpoint, by route and the backend that served them.",
                       "counter");
  for (std::uint32_t c = 0; c < scrape.totals.size(); ++c) {
    if (scrape.totals[c].fallbacks == 0) continue;
    append_cell_prefix(out, kFallbacks, *scrape.layout, c);
    out.append("} ");
    append_uint(out, scrape.totals[c].fallbacks);
    out.append("\n");
  }
}

void render_durations(std::string& out, const Scrape& scrape) {
  append_family_header(out, kDuration,
                       "Time to answer a request through a backend, by route and backend.",
                       "histogram");
  const std::string bucket = std::string(kDuration) + "_bucket";
  const std::string sum = std::string(kDuration) + "_sum";
  const std::string count = std::string(kDuration) + "_count";
  for (std::uint32_t c = 0; c < scrape.totals.size(); ++c) {
    const HistogramSnapshot& latency = scrape.totals[c].latency;
    const auto cumulative = latency.cumulative();
    for (std::size_t b = 0; b < kBucketCount; ++b) {
      append_cell_prefix(out, bucket, *scrape.layout, c);
      append_label(out, "le", kLeSeconds[b], false);
      out.append("} ");
      append_uint(out, cumulative[b]);
      out.append("\n");
    }
    append_cell_prefix(out, sum, *scrape.layout, c);
    out.append("} ");
    append_value(out, latency.sum_ms / 1000);
    out.append("\n");
    append_cell_prefix(out, count, *scrape.layout, c);
    out.append("} ");
    append_uint(out, cumulative.back());  // == the +Inf bucket, as the format requires
    out.append("\n");
  }
}

void render_extra(std::string& out, std::span<const Sample> extra) {
  // Families in order of first appearance; a family's samples in the order given.
  std::vector<std::string_view> order;
  std::unordered_map<std::string_view, std::vector<const Sample*>> families;
  for (const Sample& sample : extra) {
    auto [it, added] = families.try_emplace(sample.name);
    if (added) order.push_back(sample.name);
    it->second.push_back(&sample);
  }
  for (std::string_view name : order) {
    const auto& samples = families[name];
    const Sample& first = *samples.front();
    append_family_header(out, name, first.help,
                         first.type == MetricType::kCounter ? "counter" : "gauge");
    for (const Sample* sample : samples) {
      out.append(name);
      for (std::size_t i = 0; i < sample->labels.size(); ++i) {
        append_label(out, sample->labels[i].name, sample->labels[i].value, i == 0);
      }
      out.append(sample->labels.empty() ? " " : "} ");
      append_value(out, sample->value);
      out.append("\n");
    }
  }
}

Sample counter(std::string name, std::string help, std::uint64_t value,
               std::vector<Label> labels = {}) {
  return Sample{std::move(name), std::move(help), MetricType::kCounter, std::move(labels),
                static_cast<double>(value)};
}

Sample gauge(std::string name, std::string help, std::uint64_t value,
             std::vector<Label> labels = {}) {
  return Sample{std::move(name), std::move(help), MetricType::kGauge, std::move(labels),
                static_cast<double>(value)};
}

// A GAUGE line's label: none, or its (label, label_value) pair.
std::vector<Label> optional_label() { return {}; }
std::vector<Label> optional_label(std::string name, std::string value) {
  return {{std::move(name), std::move(value)}};
}

}  // namespace

void append_label_value(std::string& out, std::string_view value) {
  for (char ch : value) {
    switch (ch) {
      case '\\': out.append("\\\\"); break;
      case '"': out.append("\\\""); break;
      case '\n': out.append("\\n"); break;
      default: out.push_back(ch);
    }
  }
}

void append_help_text(std::string& out, std::string_view text) {
  for (char ch : text) {
    switch (ch) {
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      default: out.push_back(ch);
    }
  }
}

void append_value(std::string& out, double value) {
  if (std::isnan(value)) return void(out.append("NaN"));
  if (std::isinf(value)) return void(out.append(value > 0 ? "+Inf" : "-Inf"));
  // Whole numbers (every counter) as integers: to_chars alone would print 1000000 as 1e+06.
  constexpr double kExactInteger = 9007199254740992.0;  // 2^53
  std::array<char, 32> buffer{};
  const auto end = std::fabs(value) < kExactInteger && value == std::trunc(value)
                       ? std::to_chars(buffer.data(), buffer.data() + buffer.size(),
                                       static_cast<std::int64_t>(value)).ptr
                       : std::to_chars(buffer.data(), buffer.data() + buffer.size(), value).ptr;
  out.append(buffer.data(), end);
}

std::string render_prometheus(const Scrape& scrape, std::span<const Sample> extra) {
  std::string out;
  if (scrape.layout) {
    // ~130 bytes a line, 22 lines a cell.
    out.reserve(scrape.layout->cells() * 22 * 130 + extra.size() * 160);
    render_requests(out, scrape);
    render_durations(out, scrape);
    render_fallbacks(out, scrape);
  }
  render_extra(out, extra);
  return out;
}

std::vector<Sample> gateway_samples(const GatewayCounters& g) {
  std::vector<Sample> out;
#define CUTOVER_COUNTER(member, metric, help) out.push_back(counter(metric, help, g.member));
#define CUTOVER_COUNTER_BY(member, metric, help, label, names) \
  for (std::size_t i = 0; i < names.size(); ++i) \
    out.push_back(counter(metric, help, g.member[i], {{label, std::string(names[i])}}));
#define CUTOVER_GAUGE(member, metric, help, ...) \
  out.push_back(gauge(metric, std::string(help), g.member, optional_label(__VA_ARGS__)));
  CUTOVER_GATEWAY_COUNTERS(CUTOVER_COUNTER, CUTOVER_COUNTER_BY, CUTOVER_GAUGE)
#undef CUTOVER_COUNTER
#undef CUTOVER_COUNTER_BY
#undef CUTOVER_GAUGE
  // Process-wide.
  out.push_back(counter("cutover_reloads_total", "Config reloads, by result.", g.reloads,
                        {{"result", "success"}}));
  out.push_back(counter("cutover_reloads_total", "Config reloads, by result.", g.reload_failures,
                        {{"result", "failure"}}));
  out.push_back(gauge("cutover_last_reload_successful",
                      "1 if the last config reload succeeded, 0 if it failed.", g.last_reload_ok));
  out.push_back(gauge("cutover_active_overrides",
                      "Routes with an admin override (split or rollback) in force.",
                      g.active_overrides));
  return out;
}

}  // namespace cutover::metrics
