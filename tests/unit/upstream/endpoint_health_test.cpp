// BackendHealth: what traffic and checks do to a backend's endpoints, and what every worker then
// reads.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cutover/upstream/endpoint_health.hpp"

namespace cutover::upstream {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

config::BackendConfig backend_config(bool checked = false, bool start_healthy = true) {
  config::BackendConfig config;
  config.name = "svc";
  config.health_check.enabled = checked;
  config.health_check.start_healthy = start_healthy;
  return config;
}

std::vector<std::string> addresses(std::size_t count) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < count; ++i) out.push_back("10.0.0." + std::to_string(i + 1) + ":80");
  return out;
}

void fail_5xx(BackendHealth& health, std::size_t endpoint, int times, Clock::time_point now) {
  for (int i = 0; i < times; ++i) health.observe(endpoint, Observation::answered_5xx, now);
}

const Clock::time_point kStart = Clock::time_point(std::chrono::hours(1000));

TEST(BackendHealth, EveryEndpointStartsUsable) {
  auto health = BackendHealth::fresh("svc", backend_config(), addresses(3));
  EXPECT_TRUE(health->any_usable(kStart));
  for (std::size_t i = 0; i < 3; ++i) EXPECT_TRUE(health->usable(i, kStart));
}

TEST(BackendHealth, StartUnhealthyKeepsCheckedEndpointsOutUntilTheyPass) {
  auto health = BackendHealth::fresh("svc", backend_config(true, false), addresses(1));
  EXPECT_FALSE(health->any_usable(kStart));
  health->check_result(0, true, "", kStart);
  EXPECT_FALSE(health->any_usable(kStart)) << "healthy: 2 passes";
  health->check_result(0, true, "", kStart);
  EXPECT_TRUE(health->any_usable(kStart));
}

TEST(BackendHealth, FailedChecksTakeAnEndpointOutAndSayWhy) {
  auto health = BackendHealth::fresh("svc", backend_config(true), addresses(2));
  for (int i = 0; i < 3; ++i) health->check_result(1, false, "connect: Connection refused", kStart);
  EXPECT_TRUE(health->usable(0, kStart));
  EXPECT_FALSE(health->usable(1, kStart));
  const auto status = health->status(1, kStart);
  EXPECT_FALSE(status.check_passing);
  EXPECT_FALSE(status.ejected);
  EXPECT_EQ(status.checks_failed, 3u);
  EXPECT_THAT(status.reason, ::testing::HasSubstr("failed 3 health checks in a row (connect: Connection refused)"));
  EXPECT_GT(status.changed_unix_ms, 0);
}

TEST(BackendHealth, AnEjectionEndsOnTime) {
  auto health = BackendHealth::fresh("svc", backend_config(), addresses(1));
  fail_5xx(*health, 0, 5, kStart);
  EXPECT_FALSE(health->usable(0, kStart + 29s));
  EXPECT_TRUE(health->usable(0, kStart + 30s));
  const auto status = health->status(0, kStart + 10s);
  EXPECT_TRUE(status.ejected);
  EXPECT_EQ(status.ejected_for, 20s);
  EXPECT_EQ(status.ejections_total, 1u);
  EXPECT_THAT(status.reason, ::testing::HasSubstr("ejected after 5 5xx answers in a row for 30s"));
}

TEST(BackendHealth, FailuresAndServerErrorsAreSeparateStreaks) {
  auto health = BackendHealth::fresh("svc", backend_config(), addresses(1));
  for (int i = 0; i < 4; ++i) health->observe(0, Observation::failed, kStart);
  health->observe(0, Observation::answered_5xx, kStart);  // it answered: the failure streak ends
  for (int i = 0; i < 4; ++i) health->observe(0, Observation::failed, kStart);
  EXPECT_TRUE(health->usable(0, kStart));
  health->observe(0, Observation::failed, kStart);
  EXPECT_FALSE(health->usable(0, kStart));
  EXPECT_THAT(health->status(0, kStart).reason, ::testing::HasSubstr("5 failed requests in a row"));
}

TEST(BackendHealth, AtMostHalfTheEndpointsAreEjected) {
  auto health = BackendHealth::fresh("svc", backend_config(), addresses(4));
  for (std::size_t i = 0; i < 4; ++i) fail_5xx(*health, i, 5, kStart);
  std::size_t usable = 0;
  for (std::size_t i = 0; i < 4; ++i) usable += health->usable(i, kStart) ? 1 : 0;
  EXPECT_EQ(usable, 2u);
  // Once one is back, the next outlier may go.
  fail_5xx(*health, 2, 5, kStart + 31s);
  fail_5xx(*health, 3, 5, kStart + 31s);
  EXPECT_FALSE(health->usable(2, kStart + 31s));
  EXPECT_FALSE(health->usable(3, kStart + 31s));
}

TEST(BackendHealth, EjectionsInARowLastLongerAndTheCountDecaysInRotation) {
  auto health = BackendHealth::fresh("svc", backend_config(), addresses(1));
  fail_5xx(*health, 0, 5, kStart);
  fail_5xx(*health, 0, 5, kStart + 30s);  // re-admitted at 30 s, out again at once: 60 s
  EXPECT_FALSE(health->usable(0, kStart + 89s));
  EXPECT_TRUE(health->usable(0, kStart + 90s));
  // Back at 90 s and well for 60 s (two base ejections): the count went from 2 to 0, so 30 s.
  fail_5xx(*health, 0, 5, kStart + 150s);
  EXPECT_FALSE(health->usable(0, kStart + 179s));
  EXPECT_TRUE(health->usable(0, kStart + 180s));
}

TEST(BackendHealth, APassedCheckEndsAnEjectionForFailedRequests) {
  auto health = BackendHealth::fresh("svc", backend_config(true), addresses(1));
  for (int i = 0; i < 5; ++i) health->observe(0, Observation::failed, kStart);
  ASSERT_FALSE(health->usable(0, kStart + 1s));
  health->check_result(0, true, "", kStart + 1s);
  EXPECT_TRUE(health->usable(0, kStart + 1s)) << "reachable again, as the check shows";
  EXPECT_THAT(health->status(0, kStart + 1s).reason, ::testing::HasSubstr("a health check passed"));
}

TEST(BackendHealth, APassedCheckDoesNotEndAnEjectionFor5xx) {
  auto health = BackendHealth::fresh("svc", backend_config(true), addresses(1));
  fail_5xx(*health, 0, 5, kStart);
  health->check_result(0, true, "", kStart + 1s);
  EXPECT_FALSE(health->usable(0, kStart + 1s)) << "its health endpoint answers; its others did not";
}

TEST(BackendHealth, FirstUsableSkipsEndpointsThatAreOut) {
  auto health = BackendHealth::fresh("svc", backend_config(), addresses(3));
  fail_5xx(*health, 1, 5, kStart);
  EXPECT_EQ(health->first_usable(0, kStart), 0u);
  EXPECT_EQ(health->first_usable(1, kStart), 2u);
  EXPECT_EQ(health->first_usable(2, kStart), 2u);
}

TEST(BackendHealth, WithNoneUsableFirstUsableKeepsTheRoundRobinsPick) {
  auto health = BackendHealth::fresh("svc", backend_config(true), addresses(2));
  for (std::size_t i = 0; i < 2; ++i) {
    for (int n = 0; n < 3; ++n) health->check_result(i, false, "status 503", kStart);
  }
  EXPECT_FALSE(health->any_usable(kStart));
  EXPECT_EQ(health->first_usable(1, kStart), 1u);
}

TEST(BackendHealth, DownSaysSinceWhenAndWhy) {
  auto health = BackendHealth::fresh("svc", backend_config(true), addresses(2));
  EXPECT_FALSE(health->down(kStart).down);
  for (int n = 0; n < 3; ++n) health->check_result(0, false, "status 503", kStart);
  EXPECT_FALSE(health->down(kStart).down) << "one endpoint is left";
  fail_5xx(*health, 1, 5, kStart);
  const auto down = health->down(kStart);
  EXPECT_TRUE(down.down);
  EXPECT_GT(down.since_unix_ms, 0);
  EXPECT_THAT(down.reason, ::testing::HasSubstr("ejected after 5 5xx"));
}

TEST(BackendHealth, EndpointsCarriedIntoAConfigWithoutChecksAreBackInRotation) {
  auto checked = BackendHealth::fresh("svc", backend_config(true), addresses(1));
  for (int n = 0; n < 3; ++n) checked->check_result(0, false, "status 503", kStart);
  ASSERT_FALSE(checked->any_usable(kStart));
  BackendHealth unchecked("svc", backend_config(false), addresses(1), {checked->shared(0)});
  EXPECT_TRUE(unchecked.any_usable(kStart));
}

TEST(BackendHealth, EndpointsCarriedOverKeepTheirEjection) {
  auto before = BackendHealth::fresh("svc", backend_config(), addresses(1));
  fail_5xx(*before, 0, 5, kStart);
  BackendHealth after("svc", backend_config(), addresses(1), {before->shared(0)});
  EXPECT_FALSE(after.any_usable(kStart + 1s));
  EXPECT_TRUE(after.any_usable(kStart + 30s));
}

}  // namespace
}  // namespace cutover::upstream
