// The pure decisions behind endpoint health: check streaks, expected statuses, ejection triggers,
// lengths, their decay, and the ejection cap.
#include <gtest/gtest.h>

#include "cutover/upstream/health.hpp"

namespace cutover::upstream {
namespace {

using namespace std::chrono_literals;

config::HealthCheckConfig check_with(unsigned healthy, unsigned unhealthy) {
  config::HealthCheckConfig check;
  check.enabled = true;
  check.healthy = healthy;
  check.unhealthy = unhealthy;
  return check;
}

TEST(AfterCheck, UnhealthyAfterTheConfiguredFailuresInARow) {
  const auto check = check_with(2, 3);
  CheckStreak streak;
  streak = after_check(streak, false, check);
  streak = after_check(streak, false, check);
  EXPECT_TRUE(streak.healthy);
  streak = after_check(streak, false, check);
  EXPECT_FALSE(streak.healthy);
}

TEST(AfterCheck, APassInBetweenStartsTheFailuresAgain) {
  const auto check = check_with(2, 3);
  CheckStreak streak;
  for (bool passed : {false, false, true, false, false}) streak = after_check(streak, passed, check);
  EXPECT_TRUE(streak.healthy);
  EXPECT_FALSE(after_check(streak, false, check).healthy);
}

TEST(AfterCheck, HealthyAgainAfterTheConfiguredPassesInARow) {
  const auto check = check_with(2, 1);
  CheckStreak streak{false, 0, 0};
  streak = after_check(streak, true, check);
  EXPECT_FALSE(streak.healthy);
  streak = after_check(streak, false, check);
  streak = after_check(streak, true, check);
  EXPECT_FALSE(streak.healthy) << "a failure in between starts the passes again";
  streak = after_check(streak, true, check);
  EXPECT_TRUE(streak.healthy);
}

TEST(StatusPasses, TheExpectRangeIsInclusive) {
  config::HealthCheckConfig check;
  EXPECT_FALSE(status_passes(199, check));
  EXPECT_TRUE(status_passes(200, check));
  EXPECT_TRUE(status_passes(399, check));
  EXPECT_FALSE(status_passes(400, check));
  EXPECT_FALSE(status_passes(503, check));
}

TEST(Trips, AtTheTriggerAndNotBefore) {
  config::OutlierConfig outlier;
  outlier.consecutive_5xx = 3;
  outlier.consecutive_failures = 2;
  EXPECT_FALSE(trips(EjectCause::consecutive_5xx, 2, outlier));
  EXPECT_TRUE(trips(EjectCause::consecutive_5xx, 3, outlier));
  EXPECT_TRUE(trips(EjectCause::consecutive_failures, 2, outlier));
  outlier.consecutive_5xx = 0;
  EXPECT_FALSE(trips(EjectCause::consecutive_5xx, 1000, outlier)) << "0 turns the trigger off";
}

TEST(EjectionLength, GrowsWithEachEjectionUpToTheMaximum) {
  config::OutlierConfig outlier;  // 30 s base, 5 min max
  EXPECT_EQ(ejection_length(1, outlier), 30s);
  EXPECT_EQ(ejection_length(2, outlier), 60s);
  EXPECT_EQ(ejection_length(10, outlier), 300s);
  EXPECT_EQ(ejection_length(11, outlier), 300s);
}

TEST(DecayedEjections, OneLessForEachBaseEjectionSpentInRotation) {
  config::OutlierConfig outlier;
  EXPECT_EQ(decayed_ejections(3, 0ms, outlier), 3u);
  EXPECT_EQ(decayed_ejections(3, 29s, outlier), 3u);
  EXPECT_EQ(decayed_ejections(3, 30s, outlier), 2u);
  EXPECT_EQ(decayed_ejections(3, 95s, outlier), 0u);
  EXPECT_EQ(decayed_ejections(3, std::chrono::hours(100000), outlier), 0u);
}

TEST(MayEject, AtMostTheConfiguredShareButAlwaysOne) {
  config::OutlierConfig outlier;  // 50 %
  EXPECT_TRUE(may_eject(0, 1, outlier)) << "a lone endpoint may go, so its route falls back";
  EXPECT_FALSE(may_eject(1, 1, outlier));
  EXPECT_TRUE(may_eject(0, 2, outlier));
  EXPECT_FALSE(may_eject(1, 2, outlier));
  EXPECT_TRUE(may_eject(4, 10, outlier));
  EXPECT_FALSE(may_eject(5, 10, outlier));
  outlier.max_ejected_percent = 100;
  EXPECT_TRUE(may_eject(9, 10, outlier));
  outlier.max_ejected_percent = 0;
  EXPECT_FALSE(may_eject(0, 10, outlier)) << "0 % turns ejection off";
}

}  // namespace
}  // namespace cutover::upstream
