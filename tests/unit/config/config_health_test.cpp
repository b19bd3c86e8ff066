// health_check:, outlier: and a route's fallback: defaults, good spellings, and every bad value
// reported at its line.
#include <gtest/gtest.h>

#include "unit/config/config_fixture.hpp"

namespace cutover::config {
namespace {

using test::expect_error;
using test::expect_valid;
using test::parse;

// A backend `svc` whose settings start on line 4, one per line, before a route to it.
std::string with_backend(std::string_view settings) {
  return "backends:\n"
         "  legacy: { endpoints: [127.0.0.1:8000] }\n"
         "  svc:\n"
         "    endpoints: [127.0.0.1:9000]\n" +
         std::string(settings) +
         "routes:\n"
         "  - { id: r, match: { prefix: / }, backend: svc, fallback: legacy }\n";
}

// A route `r` to legacy whose own keys are on lines 4-6, then `more` from line 7.
std::string with_route_keys(std::string_view more) {
  return "backends:\n"
         "  legacy: { endpoints: [127.0.0.1:8000] }\n"
         "routes:\n"
         "  - id: r\n"
         "    match: { prefix: / }\n"
         "    backend: legacy\n" +
         std::string(more);
}

TEST(ConfigHealth, WithoutTheSectionsChecksAreOffAndOutlierEjectionOnWithEnvoysDefaults) {
  auto parsed = parse(with_backend(""));
  ASSERT_TRUE(parsed.errors().empty()) << test::dump(parsed.errors());
  const auto& svc = *parsed.config.find_backend("svc");
  EXPECT_FALSE(svc.health_check.enabled);
  EXPECT_EQ(svc.outlier.consecutive_5xx, 5u);
  EXPECT_EQ(svc.outlier.consecutive_failures, 5u);
  EXPECT_EQ(svc.outlier.base_ejection, std::chrono::seconds(30));
  EXPECT_EQ(svc.outlier.max_ejection, std::chrono::minutes(5));
  EXPECT_EQ(svc.outlier.max_ejected_percent, 50u);
  EXPECT_EQ(parsed.config.routes[0].fallback, "legacy");
}

TEST(ConfigHealth, AHealthCheckTakesEveryKeyOfTheIssue) {
  auto parsed = parse(with_backend(
      "    health_check: { path: /healthz, interval: 2s, timeout: 1s, healthy: 2, unhealthy: 3, expect: 200-399,"
      " start: unhealthy, host: svc.internal }\n"));
  ASSERT_TRUE(parsed.errors().empty()) << test::dump(parsed.errors());
  const auto& check = parsed.config.find_backend("svc")->health_check;
  EXPECT_TRUE(check.enabled);
  EXPECT_EQ(check.path, "/healthz");
  EXPECT_EQ(check.host, "svc.internal");
  EXPECT_EQ(check.interval, std::chrono::seconds(2));
  EXPECT_EQ(check.timeout, std::chrono::seconds(1));
  EXPECT_EQ(check.healthy, 2u);
  EXPECT_EQ(check.unhealthy, 3u);
  EXPECT_EQ(check.expect_min, 200u);
  EXPECT_EQ(check.expect_max, 399u);
  EXPECT_FALSE(check.start_healthy);
}

TEST(ConfigHealth, AnEmptyHealthCheckUsesTheDefaults) {
  auto parsed = parse(with_backend("    health_check: {}\n"));
  ASSERT_TRUE(parsed.errors().empty()) << test::dump(parsed.errors());
  const auto& check = parsed.config.find_backend("svc")->health_check;
  EXPECT_TRUE(check.enabled);
  EXPECT_EQ(check.path, "/healthz");
  EXPECT_TRUE(check.start_healthy);
  EXPECT_EQ(check.expect_min, 200u);
  EXPECT_EQ(check.expect_max, 399u);
}

TEST(ConfigHealth, ASingleExpectedStatusIsARangeOfOne) {
  auto parsed = parse(with_backend("    health_check: { expect: 204 }\n"));
  ASSERT_TRUE(parsed.errors().empty()) << test::dump(parsed.errors());
  const auto& check = parsed.config.find_backend("svc")->health_check;
  EXPECT_EQ(check.expect_min, 204u);
  EXPECT_EQ(check.expect_max, 204u);
}

TEST(ConfigHealth, BadHealthCheckValuesAreReportedAtTheirLine) {
  for (const char* bad : {"200-", "399-200", "99", "600", "2xx", "200-399-500"}) {
    SCOPED_TRACE(bad);
    expect_error(with_backend("    health_check:\n      expect: " + std::string(bad) + "\n"), 6,
                 {"'backends.svc.health_check.expect'", "200-399"});
  }
  expect_error(with_backend("    health_check:\n      path: healthz\n"), 6, {"must start with '/'"});
  expect_error(with_backend("    health_check:\n      path: /a b\n"), 6, {"no spaces"});
  expect_error(with_backend("    health_check:\n      unhealthy: 0\n"), 6, {"unhealthy"});
  expect_error(with_backend("    health_check:\n      interval: 10ms\n"), 6, {"at least 100ms"});
  expect_error(with_backend("    health_check:\n      interval: 1s\n      timeout: 2s\n"), 7,
               {"at most the interval", "never overlap"});
  expect_error(with_backend("    health_check:\n      start: sick\n"), 6, {"start"});
  expect_error(with_backend("    health_check:\n      pth: /healthz\n"), 6, {"pth"});
}

TEST(ConfigHealth, BadOutlierValuesAreReportedAtTheirLine) {
  expect_error(with_backend("    outlier:\n      max_ejected_percent: 101\n"), 6, {"max_ejected_percent"});
  expect_error(with_backend("    outlier:\n      base_ejection: 0s\n"), 6, {"base_ejection' must be more than 0"});
  expect_error(with_backend("    outlier:\n      base_ejection: 1m\n      max_ejection: 30s\n"), 7,
               {"max_ejection' must be at least base_ejection"});
  expect_error(with_backend("    outlier:\n      consecutive_5xxx: 3\n"), 6, {"consecutive_5xxx"});
  expect_valid(with_backend("    outlier: { consecutive_5xx: 0, consecutive_failures: 0 }\n"));
}

TEST(ConfigHealth, ARouteHasARetryBudgetByDefaultAndMaySetItsOwn) {
  auto parsed = parse(with_backend(""));
  ASSERT_TRUE(parsed.errors().empty());
  EXPECT_EQ(parsed.config.routes[0].retry_budget.percent, 20u);
  EXPECT_EQ(parsed.config.routes[0].retry_budget.min_retries, 3u);
  EXPECT_EQ(parsed.config.routes[0].retry_budget.window, std::chrono::seconds(10));
  auto custom = parse(
      "backends:\n"
      "  legacy: { endpoints: [127.0.0.1:8000] }\n"
      "routes:\n"
      "  - { id: r, match: { prefix: / }, backend: legacy, retry_budget: { percent: 5, min_retries: 0, window: 1m } }\n");
  ASSERT_TRUE(custom.errors().empty()) << test::dump(custom.errors());
  EXPECT_EQ(custom.config.routes[0].retry_budget.percent, 5u);
  EXPECT_EQ(custom.config.routes[0].retry_budget.min_retries, 0u);
  EXPECT_EQ(custom.config.routes[0].retry_budget.window, std::chrono::minutes(1));
}

TEST(ConfigHealth, BadRetryBudgetsAreReportedAtTheirLine) {
  const std::string head = with_route_keys("    retry_budget:\n");
  expect_error(head + "      percent: 101\n", 8, {"percent"});
  expect_error(head + "      window: 500ms\n", 8, {"'routes.r.retry_budget.window' must be at least 1s"});
  expect_error(head + "      budget: 3\n", 8, {"budget"});
}

TEST(ConfigHealth, RoutesTunnelWebSocketsByDefaultAndMayListOthersOrNone) {
  auto parsed = parse(with_backend(""));
  EXPECT_EQ(parsed.config.routes[0].upgrades, std::vector<std::string>{"websocket"});
  EXPECT_EQ(parsed.config.limits.upgrade_idle_timeout, std::chrono::hours(1));
  auto none = parse(
      "limits: { upgrade_idle_timeout: 10m }\n"
      "backends:\n"
      "  legacy: { endpoints: [127.0.0.1:8000] }\n"
      "routes:\n"
      "  - { id: r, match: { prefix: / }, backend: legacy, upgrades: [] }\n"
      "  - { id: s, match: { prefix: /s }, backend: legacy, upgrades: [WebSocket, mqtt] }\n");
  ASSERT_TRUE(none.errors().empty()) << test::dump(none.errors());
  EXPECT_TRUE(none.config.routes[0].upgrades.empty());
  EXPECT_EQ(none.config.routes[1].upgrades, (std::vector<std::string>{"websocket", "mqtt"}));
  EXPECT_EQ(none.config.limits.upgrade_idle_timeout, std::chrono::minutes(10));
}

TEST(ConfigHealth, BadUpgradesAreReportedAtTheirLine) {
  const std::string head = with_route_keys("");
  expect_error(head + "    upgrades: websocket\n", 7, {"must be a list of protocols"});
  expect_error(head + "    upgrades: [h2c]\n", 7, {"h2c"});
  expect_error(head + "    upgrades: [\"web socket\"]\n", 7, {"not a protocol name"});
  expect_error(test::with_base("limits:\n  upgrade_idle_timeout: 0s\n"), 2, {"'limits.upgrade_idle_timeout' must be more than 0"});
}

TEST(ConfigHealth, ARouteThatAnswersAtTheEdgeHasNoFallback) {
  expect_error(
      "backends:\n"
      "  legacy: { endpoints: [127.0.0.1:8000] }\n"
      "routes:\n"
      "  - { id: r, match: { prefix: / }, return: 403, fallback: legacy }\n",
      4, {"'return' and a backend"});
}

}  // namespace
}  // namespace cutover::config
