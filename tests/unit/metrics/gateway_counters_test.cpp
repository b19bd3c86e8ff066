// CUTOVER_GATEWAY_COUNTERS is the one declaration of the gateway-wide numbers: every line of it,
// and nothing declared elsewhere, is summed by GatewayCounters::merge and exposed exactly once by
// gateway_samples(). The list is expanded here again, so a line added to it is checked too.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cutover/metrics/prometheus.hpp"
#include "cutover/metrics/registry.hpp"

namespace cutover::metrics {
namespace {

constexpr std::size_t kProcessWide = 4;  // reloads, reload_failures, last_reload_ok, active_overrides

std::vector<Label> optional_label() { return {}; }
std::vector<Label> optional_label(std::string name, std::string value) { return {{name, value}}; }

// One declared number of `g`: its field and the sample the declaration says it becomes.
struct Declared {
  std::uint64_t* field;
  Sample sample;
};

std::vector<Declared> declared(GatewayCounters& g) {
  std::vector<Declared> out;
#define CUTOVER_COUNTER(member, metric, help) out.push_back({&g.member, {metric, help, MetricType::kCounter, {}, 0}});
#define CUTOVER_COUNTER_BY(member, metric, help, label, names) \
  for (std::size_t i = 0; i < names.size(); ++i) \
    out.push_back({&g.member[i], {metric, help, MetricType::kCounter, {{label, std::string(names[i])}}, 0}});
#define CUTOVER_GAUGE(member, metric, help, ...) \
  out.push_back({&g.member, {metric, std::string(help), MetricType::kGauge, optional_label(__VA_ARGS__), 0}});
  CUTOVER_GATEWAY_COUNTERS(CUTOVER_COUNTER, CUTOVER_COUNTER_BY, CUTOVER_GAUGE)
#undef CUTOVER_COUNTER
#undef CUTOVER_COUNTER_BY
#undef CUTOVER_GAUGE
  return out;
}

// name{label="value",...}: what tells two samples apart.
std::string series(const Sample& sample) {
  std::string out = sample.name + "{";
  for (const auto& label : sample.labels) out += label.name + "=\"" + label.value + "\",";
  return out + "}";
}

// Every declared number with a value of its own (1, 2, 3, ...), then the process-wide ones.
void numbered(std::vector<Declared>& numbers, GatewayCounters& g) {
  std::uint64_t next = 1;
  for (auto& number : numbers) number.sample.value = static_cast<double>(*number.field = next++);
  g.reloads = next++;
  g.reload_failures = next++;
  g.last_reload_ok = next++;
  g.active_overrides = next++;
}

TEST(GatewayCounters, EveryFieldIsDeclaredInTheList) {
  GatewayCounters g;
  // A field added by hand, outside CUTOVER_GATEWAY_COUNTERS, would be neither summed nor exposed.
  EXPECT_EQ(sizeof(GatewayCounters), sizeof(std::uint64_t) * (declared(g).size() + kProcessWide));
}

TEST(GatewayCounters, EveryDeclaredNumberIsExposedExactlyOnce) {
  GatewayCounters g;
  auto numbers = declared(g);
  numbered(numbers, g);
  const auto samples = gateway_samples(g);
  EXPECT_EQ(samples.size(), numbers.size() + kProcessWide);
  for (const auto& number : numbers) {
    const auto& want = number.sample;
    const auto same = [&](const Sample& s) { return series(s) == series(want); };
    ASSERT_EQ(std::count_if(samples.begin(), samples.end(), same), 1) << series(want);
    const Sample& got = *std::find_if(samples.begin(), samples.end(), same);
    EXPECT_EQ(got.value, want.value) << series(want) << " shows another field";
    EXPECT_EQ(got.help, want.help) << series(want);
    EXPECT_EQ(got.type, want.type) << series(want);
  }
  // In the order declared, the process-wide ones after them.
  for (std::size_t i = 0; i < numbers.size(); ++i) EXPECT_EQ(series(samples[i]), series(numbers[i].sample));
}

TEST(GatewayCounters, MergeSumsEveryDeclaredNumberAndNoProcessWideOne) {
  GatewayCounters a;
  auto numbers = declared(a);
  numbered(numbers, a);
  const GatewayCounters b = a;
  a.merge(b);
  for (const auto& number : numbers) {
    EXPECT_EQ(static_cast<double>(*number.field), 2 * number.sample.value) << series(number.sample);
  }
  EXPECT_EQ(a.reloads, b.reloads);
  EXPECT_EQ(a.reload_failures, b.reload_failures);
  EXPECT_EQ(a.last_reload_ok, b.last_reload_ok);
  EXPECT_EQ(a.active_overrides, b.active_overrides);
}

}  // namespace
}  // namespace cutover::metrics
