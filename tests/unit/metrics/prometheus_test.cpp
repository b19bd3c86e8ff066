// Prometheus text format 0.0.4: exact output for a small case, escaping, and a line-by-line
// check that every page parses (family grouping, HELP/TYPE first, monotone cumulative buckets).
#include "cutover/metrics/prometheus.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace cutover::metrics {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Checks the page the way a scraper would; returns the failures (empty when fine).
std::vector<std::string> validate(const std::string& page) {
  static const std::regex kHelp(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*$)");
  static const std::regex kType(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$)");
  static const std::regex kSample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*))"
      R"((\{[a-zA-Z_][a-zA-Z0-9_]*="(\\[\\"n]|[^"\\\n])*")"
      R"((,[a-zA-Z_][a-zA-Z0-9_]*="(\\[\\"n]|[^"\\\n])*")*\})?)"
      R"( (NaN|[+-]Inf|-?[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?)$)");
  std::vector<std::string> errors;
  if (!page.empty() && page.back() != '\n') errors.push_back("no final newline");
  std::string family;              // the family whose lines we are in
  std::set<std::string> finished;  // families already closed: must not reappear
  for (const auto& line : lines_of(page)) {
    std::smatch m;
    if (std::regex_match(line, m, kHelp)) {
      if (finished.count(m[1]) != 0) errors.push_back("family split: " + line);
      if (!family.empty()) finished.insert(family);
      family = m[1];
    } else if (std::regex_match(line, m, kType)) {
      if (m[1] != family) errors.push_back("TYPE without HELP: " + line);
    } else if (std::regex_match(line, m, kSample)) {
      const std::string name = m[1];
      const bool ours = name == family || name == family + "_bucket" || name == family + "_sum" ||
                        name == family + "_count";
      if (!ours) errors.push_back("sample outside its family: " + line);
    } else {
      errors.push_back("unparseable: " + line);
    }
  }
  return errors;
}

TEST(Prometheus, ExactOutputForOneRouteAndBackend) {
  const auto layout =
      std::make_shared<const MetricsLayout>(MetricsLayout::dense({"notes"}, {"legacy"}));
  WorkerMetrics worker(layout);
  worker.record_request(0, 0, 200, 0.25, 0);
  worker.record_request(0, 0, 200, 7, 0);
  worker.record_request(0, 0, 503, 20000, 0);
  const WorkerMetrics* workers[] = {&worker};
  const std::vector<Sample> extra = {
      {"cutover_active_overrides", "Overrides in force.", MetricType::kGauge, {}, 1}};
  const std::string expected =
      "# HELP cutover_requests_total Requests routed to a backend, by route, backend and status class sent to the client (502/504 when the backend failed).\n"
      "# TYPE cutover_requests_total counter\n"
      "cutover_requests_total{route=\"notes\",backend=\"legacy\",code_class=\"1xx\"} 0\n"
      "cutover_requests_total{route=\"notes\",backend=\"legacy\",code_class=\"2xx\"} 2\n"
      "cutover_requests_total{route=\"notes\",backend=\"legacy\",code_class=\"3xx\"} 0\n"
      "cutover_requests_total{route=\"notes\",backend=\"legacy\",code_class=\"4xx\"} 0\n"
      "cutover_requests_total{route=\"notes\",backend=\"legacy\",code_class=\"5xx\"} 1\n"
      "# HELP cutover_request_duration_seconds Time to answer a request through a backend, by route and backend.\n"
      "# TYPE cutover_request_duration_seconds histogram\n"
      "cutover_request_duration_seconds_bucket{route=\"notes\",backend=\"legacy\",le=\"0.0005\"} 1\n"
      "cutover_request_duration_seconds_bucket{route=\"notes\",backend=\"legacy\",le=\"0.001\"} 1\n"
      "cutover_request_duration_seconds_bucket{route=\"notes\",backend=\"legacy\",le=\"0.0025\"} 1\n"
      "cutover_request_duration_seconds_bucket{route=\"notes\",backend=\"legacy\",le=\"0.005\"} 1\n"
      "cutover_request_duration_seconds_bucket{route=\"notes\",backend=\"legacy\",le=\"0.01\"} 2\n"
      "cutover_request_duration_seconds_bucket{route=\"notes\",backend=\"legacy\",le=\"0.025\"} 2\n"
      "cutover_request_duration_seconds_bucket{route=\"notes\",backend=\"legacy\",le=\"0.05\"} 2\n"
      "cutover_request_duration_seconds_bucket{route=\"notes\",backend=\"legacy\",le=\"0.1\"} 2\n"
      "cutover_request_duration_seconds_bucket{route=\"notes\",backend=\"legacy\",le=\"0.25\"} 2\n"
      "cutover_request_duration_seconds_bucket{route=\"notes\",backend=\"legacy\",le=\"0.5\"} 2\n"
      "cutover_request_duration_seconds_bucket{route=\"notes\",backend=\"legacy\",le=\"1\"} 2\n"
      "cutover_request_duration_seconds_bucket{route=\"notes\",backend=\"legacy\",le=\"2.5\"} 2\n"
      "cutover_request_duration_seconds_bucket{route=\"notes\",backend=\"legacy\",le=\"5\"} 2\n"
      "cutover_request_duration_seconds_bucket{route=\"notes\",backend=\"legacy\",le=\"10\"} 2\n"
      "cutover_request_duration_seconds_bucket{route=\"notes\",backend=\"legacy\",le=\"+Inf\"} 3\n"
      "cutover_request_duration_seconds_sum{route=\"notes\",backend=\"legacy\"} 20.00725\n"
      "cutover_request_duration_seconds_count{route=\"notes\",backend=\"legacy\"} 3\n"
      "# HELP cutover_active_overrides Overrides in force.\n"
      "# TYPE cutover_active_overrides gauge\n"
      "cutover_active_overrides 1\n";
  const std::string page = render_prometheus(scrape_totals(workers), extra);
  EXPECT_EQ(page, expected);
  EXPECT_THAT(validate(page), ::testing::IsEmpty());
}

TEST(Prometheus, FallbackRequestsAppearForThePairsThatServedAsOne) {
  const auto layout = std::make_shared<const MetricsLayout>(MetricsLayout::dense({"notes"}, {"legacy", "svc"}));
  WorkerMetrics worker(layout);
  worker.record_request(0, 0, 200, 1, 0);
  worker.record_request(0, 1, 200, 1, 0);
  const WorkerMetrics* workers[] = {&worker};
  EXPECT_EQ(render_prometheus(scrape_totals(workers), {}).find("cutover_fallback_requests_total"), std::string::npos)
      << "no family while nothing fell back";
  worker.record_fallback(*layout, layout->cell(0, 0));
  worker.record_fallback(*layout, layout->cell(0, 0));
  const std::string page = render_prometheus(scrape_totals(workers), {});
  EXPECT_NE(page.find("# TYPE cutover_fallback_requests_total counter\n"
                      "cutover_fallback_requests_total{route=\"notes\",backend=\"legacy\"} 2\n"),
            std::string::npos)
      << page;
  EXPECT_EQ(page.find("cutover_fallback_requests_total{route=\"notes\",backend=\"svc\"}"), std::string::npos);
}

TEST(Prometheus, LeLabelsAreTheMillisecondBoundsInSeconds) {
  const auto layout = std::make_shared<const MetricsLayout>(MetricsLayout::dense({"r"}, {"b"}));
  WorkerMetrics worker(layout);
  const auto page = render_prometheus(worker.scrape_totals());
  static const std::regex kLe(R"re(le="([^"]+)")re");
  std::vector<std::string> les;
  for (std::sregex_iterator it(page.begin(), page.end(), kLe), end; it != end; ++it) {
    les.push_back((*it)[1]);
  }
  ASSERT_EQ(les.size(), kBucketCount);
  for (std::size_t i = 0; i < kBucketBoundsMs.size(); ++i) {
    EXPECT_DOUBLE_EQ(std::strtod(les[i].c_str(), nullptr) * 1000, kBucketBoundsMs[i]) << les[i];
  }
  EXPECT_EQ(les.back(), "+Inf");
}

TEST(Prometheus, EscapesLabelValuesAndHelp) {
  std::string label;
  append_label_value(label, "a\"b\\c\nd");
  EXPECT_EQ(label, R"(a\"b\\c\nd)");
  std::string help;
  append_help_text(help, "say \"hi\"\\\nbye");
  EXPECT_EQ(help, R"(say "hi"\\\nbye)");  // quotes stay as they are in HELP

  const auto layout = std::make_shared<const MetricsLayout>(
      MetricsLayout::dense({"we\"ird\\route\n"}, {"back\"end"}));
  WorkerMetrics worker(layout);
  worker.record_request(0, 0, 200, 1, 0);
  const std::vector<Sample> extra = {{"cutover_x", "line one\nline two", MetricType::kCounter,
                                      {{"path", "/a\"b"}}, 2}};
  const auto page = render_prometheus(worker.scrape_totals(), extra);
  EXPECT_THAT(page,
              HasSubstr(R"({route="we\"ird\\route\n",backend="back\"end",code_class="2xx"} 1)"));
  EXPECT_THAT(page, HasSubstr("# HELP cutover_x line one\\nline two\n"));
  EXPECT_THAT(page, HasSubstr("cutover_x{path=\"/a\\\"b\"} 2\n"));
  EXPECT_THAT(validate(page), ::testing::IsEmpty());
}

TEST(Prometheus, ValuesAreFormattedForScrapers) {
  auto text = [](double v) {
    std::string out;
    append_value(out, v);
    return out;
  };
  EXPECT_EQ(text(0), "0");
  EXPECT_EQ(text(42), "42");
  EXPECT_EQ(text(1000000), "1000000");
  EXPECT_EQ(text(-3), "-3");
  EXPECT_EQ(text(0.25), "0.25");
  EXPECT_EQ(text(0.1), "0.1");
  EXPECT_EQ(text(1e300), "1e+300");
  EXPECT_EQ(text(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(text(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(text(std::nan("")), "NaN");
}

TEST(Prometheus, ManyCellsParseAndBucketsAreCumulative) {
  const auto layout = std::make_shared<const MetricsLayout>(
      MetricsLayout({"a", "b", "c"}, {"legacy", "new", "v2"}, {{0, 1}, {0}, {0, 1, 2}}));
  WorkerMetrics w1(layout);
  WorkerMetrics w2(layout);
  std::uint64_t recorded = 0;
  for (int i = 0; i < 5000; ++i) {
    auto& w = i % 2 ? w1 : w2;
    const std::size_t route = static_cast<std::size_t>(i % 3);
    const std::size_t backend = static_cast<std::size_t>(i % 7 % 3);  // some pairs untracked
    recorded += w.record_request(route, backend, 100 + i % 500, (i * 37 % 15000) * 1.1, 0);
  }
  ASSERT_GT(recorded, 3000u);
  const WorkerMetrics* workers[] = {&w1, &w2};
  const auto gateway = gateway_samples(GatewayCounters{});
  const auto page = render_prometheus(scrape_totals(workers), gateway);
  EXPECT_THAT(validate(page), ::testing::IsEmpty());

  // Per series (labels without le): bucket values never decrease and +Inf equals _count.
  static const std::regex kBucket(
      R"re(^cutover_request_duration_seconds_bucket\{(.*),le="([^"]+)"\} (\d+)$)re");
  static const std::regex kCount(R"re(^cutover_request_duration_seconds_count\{(.*)\} (\d+)$)re");
  std::map<std::string, std::uint64_t> last;
  std::map<std::string, std::uint64_t> inf;
  std::uint64_t total = 0;
  for (const auto& line : lines_of(page)) {
    std::smatch m;
    if (std::regex_match(line, m, kBucket)) {
      const auto value = std::stoull(m[3]);
      EXPECT_GE(value, last[m[1]]) << line;
      last[m[1]] = value;
      if (m[2] == "+Inf") inf[m[1]] = value;
    } else if (std::regex_match(line, m, kCount)) {
      EXPECT_EQ(std::stoull(m[2]), inf.at(m[1])) << line;
      total += std::stoull(m[2]);
    }
  }
  EXPECT_EQ(last.size(), layout->cells());
  EXPECT_EQ(total, recorded);
}

TEST(Prometheus, ExtraSamplesAreGroupedByFamily) {
  const std::vector<Sample> extra = {
      {"cutover_a_total", "A.", MetricType::kCounter, {{"k", "1"}}, 1},
      {"cutover_b", "B.", MetricType::kGauge, {}, 2},
      {"cutover_a_total", "ignored: the first sample's help wins", MetricType::kCounter,
       {{"k", "2"}}, 3},
  };
  const std::string page = render_prometheus(Scrape{}, extra);
  EXPECT_EQ(page,
            "# HELP cutover_a_total A.\n"
            "# TYPE cutover_a_total counter\n"
            "cutover_a_total{k=\"1\"} 1\n"
            "cutover_a_total{k=\"2\"} 3\n"
            "# HELP cutover_b B.\n"
            "# TYPE cutover_b gauge\n"
            "cutover_b 2\n");
}

TEST(Prometheus, GatewayCountersRender) {
  GatewayCounters g;
  g.connections_active = 4;
  g.connections_idle = 9;
  g.local_replies[static_cast<std::size_t>(LocalReason::no_route)] = 2;
  g.upstream_retries = 7;
  g.reloads = 3;
  g.reload_failures = 1;
  g.last_reload_ok = 0;
  const auto page = render_prometheus(Scrape{}, gateway_samples(g));
  EXPECT_THAT(page, HasSubstr("cutover_connections{state=\"active\"} 4\n"));
  EXPECT_THAT(page, HasSubstr("cutover_connections{state=\"idle\"} 9\n"));
  EXPECT_THAT(page, HasSubstr("cutover_local_replies_total{reason=\"no_route\"} 2\n"));
  EXPECT_THAT(page, HasSubstr("cutover_upstream_retries_total 7\n"));
  EXPECT_THAT(page, HasSubstr("cutover_reloads_total{result=\"success\"} 3\n"));
  EXPECT_THAT(page, HasSubstr("cutover_reloads_total{result=\"failure\"} 1\n"));
  EXPECT_THAT(page, HasSubstr("# TYPE cutover_last_reload_successful gauge\n"
                              "cutover_last_reload_successful 0\n"));
  EXPECT_THAT(validate(page), ::testing::IsEmpty());
}

TEST(Prometheus, AuthRequestFailuresHaveEveryCauseFromTheStart) {
  GatewayCounters g;
  g.auth_request_failures[static_cast<std::size_t>(LookupFailure::refused)] = 5;
  g.auth_request_stale = 3;
  const auto page = render_prometheus(Scrape{}, gateway_samples(g));
  EXPECT_THAT(page, HasSubstr("# TYPE cutover_auth_request_failures_total counter\n"));
  EXPECT_THAT(page, HasSubstr("cutover_auth_request_failures_total{cause=\"refused\"} 5\n"));
  // Zeros too: an alert on rate() sees a series before the first failure, not after it.
  for (auto cause : kLookupFailureNames) {
    if (cause == "refused") continue;
    EXPECT_THAT(page, HasSubstr("cutover_auth_request_failures_total{cause=\"" + std::string(cause) + "\"} 0\n"));
  }
  EXPECT_THAT(page, HasSubstr("cutover_auth_request_stale_total 3\n"));
  EXPECT_THAT(validate(page), ::testing::IsEmpty());
}

}  // namespace
}  // namespace cutover::metrics
