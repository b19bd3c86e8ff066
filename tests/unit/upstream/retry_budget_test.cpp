// RetryBudget: a share of the route's requests over a sliding window, and a floor.
#include <gtest/gtest.h>

#include "cutover/upstream/retry_budget.hpp"

namespace cutover::upstream {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const Clock::time_point kStart = Clock::time_point(std::chrono::hours(1000));

config::RetryBudgetConfig budget(unsigned percent, unsigned min_retries) {
  config::RetryBudgetConfig out;
  out.percent = percent;
  out.min_retries = min_retries;
  return out;  // a 10 s window
}

TEST(RetryBudget, AQuietRouteStillHasItsMinimum) {
  RetryBudget retries;
  const auto config = budget(20, 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(retries.try_retry(kStart, config)) << i;
  EXPECT_FALSE(retries.try_retry(kStart, config));
}

TEST(RetryBudget, ABusyRouteMayRetryItsShareOfRequests) {
  RetryBudget retries;
  const auto config = budget(20, 0);
  for (int i = 0; i < 100; ++i) retries.count_request(kStart, config);
  int allowed = 0;
  while (retries.try_retry(kStart, config)) ++allowed;
  EXPECT_EQ(allowed, 20);
}

TEST(RetryBudget, TheWindowSlidesInHalves) {
  RetryBudget retries;
  const auto config = budget(0, 2);
  EXPECT_TRUE(retries.try_retry(kStart, config));
  EXPECT_TRUE(retries.try_retry(kStart + 1s, config));
  EXPECT_FALSE(retries.try_retry(kStart + 4s, config));
  // 5 s on, the half that held both is the previous one: still in the window.
  EXPECT_FALSE(retries.try_retry(kStart + 5s, config));
  // 10 s on, it has left the window.
  EXPECT_TRUE(retries.try_retry(kStart + 10s, config));
}

TEST(RetryBudget, ALongSilenceForgetsEverything) {
  RetryBudget retries;
  const auto config = budget(0, 1);
  EXPECT_TRUE(retries.try_retry(kStart, config));
  EXPECT_FALSE(retries.try_retry(kStart, config));
  EXPECT_TRUE(retries.try_retry(kStart + 1h, config));
}

TEST(RetryBudget, ZeroPercentAndNoMinimumAllowsNone) {
  RetryBudget retries;
  const auto config = budget(0, 0);
  for (int i = 0; i < 100; ++i) retries.count_request(kStart, config);
  EXPECT_FALSE(retries.try_retry(kStart, config));
}

TEST(RetryBudgets, OnePerRouteAndASpareForIndexesBeyondTheTable) {
  RetryBudgets budgets;
  budgets.reset(2);
  const auto config = budget(0, 1);
  EXPECT_TRUE(budgets.of(0).try_retry(kStart, config));
  EXPECT_FALSE(budgets.of(0).try_retry(kStart, config));
  EXPECT_TRUE(budgets.of(1).try_retry(kStart, config)) << "routes do not share a budget";
  EXPECT_TRUE(budgets.of(7).try_retry(kStart, config));
}

}  // namespace
}  // namespace cutover::upstream
