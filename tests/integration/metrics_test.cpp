// GET /metrics on the admin listener counts what the gateway did, exactly: requests per route,
// backend and status class summed over both workers, a latency histogram per route and backend,
// the active-override gauge and upstream connect failures.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Labels = std::map<std::string, std::string>;

class Metrics : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = Upstream::start("a");
    b_ = Upstream::start("b");
    gone_ = Upstream::start("gone");
    gone_->stop();  // a backend that is down: connecting to it is refused
    gateway_ = Gateway::launch(yaml_prologue(2) +
                               "backends:\n"
                               "  a: { endpoints: [" + a_->address() + "] }\n"
                               "  b: { endpoints: [" + b_->address() + "] }\n"
                               "  gone: { endpoints: [" + gone_->address() + "] }\n"
                               "routes:\n"
                               "  - { id: r-a, match: { prefix: /a }, backend: a }\n"
                               "  - { id: r-b, match: { prefix: /b }, backend: b }\n"
                               "  - { id: r-err, match: { prefix: /status }, backend: b }\n"
                               "  - { id: r-split, match: { prefix: /s }, split: { b: 50 }, rollback_to: a, sticky: none }\n"
                               "  - { id: r-down, match: { prefix: /down }, backend: gone }\n");
    admin_ = gateway_->admin_port();
  }

  std::string scrape() {
    const auto r = http_get(admin_, "/metrics");
    EXPECT_EQ(r.status, 200) << r.error.message();
    return r.body;
  }

  std::unique_ptr<Upstream> a_;
  std::unique_ptr<Upstream> b_;
  std::unique_ptr<Upstream> gone_;
  std::unique_ptr<Gateway> gateway_;
  std::uint16_t admin_ = 0;
};

double requests(const std::string& text, const std::string& route, const std::string& backend,
                const std::string& code_class) {
  return metric_value(text, "cutover_requests_total", {{"route", route}, {"backend", backend}, {"code_class", code_class}})
      .value_or(0);
}

// Asserts the histogram of (route, backend): cumulative buckets never decrease as `le` grows,
// the +Inf bucket and _count both equal `count`, and _sum is positive.
void expect_histogram(const std::string& text, const std::string& route, const std::string& backend, double count) {
  std::vector<std::pair<double, double>> buckets;  // (le, cumulative count)
  for (const auto& s : parse_metrics(text)) {
    if (s.name != "cutover_request_duration_seconds_bucket") continue;
    if (s.labels.count("route") == 0 || s.labels.at("route") != route) continue;
    if (s.labels.count("backend") == 0 || s.labels.at("backend") != backend) continue;
    ASSERT_TRUE(s.labels.count("le")) << "bucket without le";
    const auto& le = s.labels.at("le");
    buckets.emplace_back(le == "+Inf" ? std::numeric_limits<double>::infinity() : std::stod(le), s.value);
  }
  ASSERT_GE(buckets.size(), 2u) << route << "/" << backend << " has no histogram buckets:\n" << text;
  std::sort(buckets.begin(), buckets.end());
  for (std::size_t i = 1; i < buckets.size(); ++i) {
    EXPECT_LE(buckets[i - 1].second, buckets[i].second)
        << route << "/" << backend << ": bucket le=" << buckets[i].first << " below le=" << buckets[i - 1].first;
  }
  EXPECT_TRUE(std::isinf(buckets.back().first)) << route << "/" << backend << " has no +Inf bucket";
  EXPECT_EQ(buckets.back().second, count) << route << "/" << backend;
  const Labels labels{{"route", route}, {"backend", backend}};
  EXPECT_EQ(metric_value(text, "cutover_request_duration_seconds_count", labels), count) << route << "/" << backend;
  EXPECT_GT(metric_value(text, "cutover_request_duration_seconds_sum", labels).value_or(0), 0.0) << route << "/" << backend;
}

TEST_F(Metrics, RequestsAreCountedExactlyPerRouteBackendAndCodeClassAcrossWorkers) {
  constexpr int kA = 37;
  constexpr int kB = 23;
  constexpr int k500 = 5;
  constexpr int k404 = 3;
  // A new connection per request to r-a, so both workers take some.
  for (int i = 0; i < kA; ++i) ASSERT_EQ(http_get(gateway_->port(), "/a/" + std::to_string(i)).status, 200);
  HttpConnection c(gateway_->port());
  for (int i = 0; i < kB; ++i) ASSERT_EQ(c.get("/b/x").status, 200);
  for (int i = 0; i < k500; ++i) ASSERT_EQ(http_get(gateway_->port(), "/status/500").status, 500);
  for (int i = 0; i < k404; ++i) ASSERT_EQ(c.get("/status/404").status, 404);

  std::string text;
  const bool all_counted = wait_until(
      [&] {
        text = scrape();
        return requests(text, "r-a", "a", "2xx") >= kA && requests(text, "r-b", "b", "2xx") >= kB &&
               requests(text, "r-err", "b", "5xx") >= k500 && requests(text, "r-err", "b", "4xx") >= k404;
      },
      3s, 50ms);
  EXPECT_TRUE(all_counted) << text;
  EXPECT_THAT(text, HasSubstr("# TYPE cutover_requests_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE cutover_request_duration_seconds histogram"));
  EXPECT_EQ(requests(text, "r-a", "a", "2xx"), kA);
  EXPECT_EQ(requests(text, "r-b", "b", "2xx"), kB);
  EXPECT_EQ(requests(text, "r-err", "b", "5xx"), k500);
  EXPECT_EQ(requests(text, "r-err", "b", "4xx"), k404);
  EXPECT_EQ(requests(text, "r-err", "b", "2xx"), 0);
  EXPECT_EQ(requests(text, "r-a", "a", "5xx"), 0);
  // Nothing is counted under a route it did not go to.
  EXPECT_EQ(metric_value(text, "cutover_requests_total", {{"route", "r-a"}}).value_or(0), kA);
  EXPECT_EQ(metric_value(text, "cutover_requests_total", {{"route", "r-split"}}).value_or(0), 0);
  EXPECT_EQ(metric_value(text, "cutover_requests_total", {{"backend", "b"}}).value_or(0), kB + k500 + k404);

  expect_histogram(text, "r-a", "a", kA);
  expect_histogram(text, "r-b", "b", kB);
  expect_histogram(text, "r-err", "b", k500 + k404);

  // Every family of the contract is exposed.
  for (const auto* family :
       {"cutover_requests_total", "cutover_request_duration_seconds", "cutover_connections", "cutover_local_replies_total",
        "cutover_upstream_connect_failures_total", "cutover_upstream_timeouts_total", "cutover_upstream_retries_total",
        "cutover_upstream_queued_total", "cutover_upstream_queue_timeouts_total", "cutover_upstream_queue_waiting",
        "cutover_reloads_total", "cutover_last_reload_successful", "cutover_active_overrides"}) {
    EXPECT_THAT(text, HasSubstr(std::string("# TYPE ") + family + " ")) << family;
  }
  // Connections are reported by state.
  EXPECT_TRUE(metric_value(text, "cutover_connections", {{"state", "active"}})) << text;
  EXPECT_TRUE(metric_value(text, "cutover_connections", {{"state", "idle"}})) << text;
}

TEST_F(Metrics, ActiveOverridesGaugeFollowsTheAdminApi) {
  EXPECT_EQ(metric_value(scrape(), "cutover_active_overrides"), 0.0);
  ASSERT_EQ(admin_call(admin_, "PUT", "/admin/routes/r-split/split", R"({"b": 100})").status, 200);
  EXPECT_EQ(metric_value(scrape(), "cutover_active_overrides"), 1.0);
  // A rollback replaces the split override of the same route: still one.
  ASSERT_EQ(admin_call(admin_, "POST", "/admin/routes/r-split/rollback").status, 200);
  EXPECT_EQ(metric_value(scrape(), "cutover_active_overrides"), 1.0);
  ASSERT_EQ(admin_call(admin_, "DELETE", "/admin/routes/r-split/override").status, 200);
  EXPECT_EQ(metric_value(scrape(), "cutover_active_overrides"), 0.0);
}

TEST_F(Metrics, ConnectFailuresToADownBackendAreCounted) {
  const double before = metric_value(scrape(), "cutover_upstream_connect_failures_total").value_or(0);
  const auto r = http_get(gateway_->port(), "/down/x");
  EXPECT_GE(r.status, 500) << "a request to a down backend: " << r.status << " " << r.body;
  EXPECT_LT(r.status, 600);
  double after = before;
  EXPECT_TRUE(wait_until(
      [&] {
        after = metric_value(scrape(), "cutover_upstream_connect_failures_total").value_or(0);
        return after >= before + 1;
      },
      3s, 50ms))
      << "cutover_upstream_connect_failures_total stayed at " << after << "\n" << scrape();
  // A backend that goes down after serving is counted too.
  ASSERT_EQ(http_get(gateway_->port(), "/b/warm").status, 200);
  b_->stop();
  const auto down = http_get(gateway_->port(), "/b/after-stop");
  EXPECT_GE(down.status, 500);
  EXPECT_TRUE(wait_until(
      [&] { return metric_value(scrape(), "cutover_upstream_connect_failures_total").value_or(0) > after; }, 3s, 50ms))
      << scrape();
}

TEST_F(Metrics, LocalRepliesAreCountedAndNotAsRouteTraffic) {
  const double before = metric_value(scrape(), "cutover_local_replies_total").value_or(0);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(http_get(gateway_->port(), "/no/route/here").status, 404);
  std::string text;
  EXPECT_TRUE(wait_until(
      [&] {
        text = scrape();
        return metric_value(text, "cutover_local_replies_total").value_or(0) >= before + 3;
      },
      3s, 50ms))
      << text;
  EXPECT_EQ(metric_value(text, "cutover_local_replies_total").value_or(0), before + 3) << text;
  EXPECT_EQ(metric_value(text, "cutover_requests_total", {{"backend", "a"}}).value_or(0), 0) << text;
  EXPECT_EQ(metric_value(text, "cutover_requests_total", {{"backend", "b"}}).value_or(0), 0) << text;
}

}  // namespace
}  // namespace cutover::test
