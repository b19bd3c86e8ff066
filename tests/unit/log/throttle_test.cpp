// log::Throttle: one line per key and period, the held-back lines counted into the next one.
#include "cutover/log/throttle.hpp"

#include <gtest/gtest.h>

namespace cutover::log {
namespace {

using namespace std::chrono_literals;
using Clock = Throttle::Clock;
const Clock::time_point kT0{std::chrono::hours(1)};

TEST(Throttle, TheFirstLineOfAKeyGoesOutAtOnce) {
  Throttle throttle(3, 5s);
  EXPECT_EQ(throttle.admit(0, kT0), 0u);
  EXPECT_EQ(throttle.admit(1, kT0), 0u);  // keys are independent
  EXPECT_EQ(throttle.admit(2, kT0 + 1ms), 0u);
}

TEST(Throttle, LinesWithinThePeriodAreHeldBackAndCountedIntoTheNextLine) {
  Throttle throttle(2, 5s);
  ASSERT_EQ(throttle.admit(0, kT0), 0u);
  for (int i = 1; i <= 1000; ++i) {
    EXPECT_EQ(throttle.admit(0, kT0 + i * 4ms), std::nullopt) << i;
  }
  EXPECT_EQ(throttle.admit(0, kT0 + 4999ms), std::nullopt);
  EXPECT_EQ(throttle.admit(0, kT0 + 5s), 1001u);
  // The count starts again, and the period runs from the line just let through.
  EXPECT_EQ(throttle.admit(0, kT0 + 6s), std::nullopt);
  EXPECT_EQ(throttle.admit(0, kT0 + 10s), 1u);
  EXPECT_EQ(throttle.admit(0, kT0 + 20s), 0u);
}

TEST(Throttle, AKeyHeldBackDoesNotHoldBackAnother) {
  Throttle throttle(2, 5s);
  ASSERT_EQ(throttle.admit(0, kT0), 0u);
  EXPECT_EQ(throttle.admit(0, kT0 + 1s), std::nullopt);
  EXPECT_EQ(throttle.admit(1, kT0 + 1s), 0u);
  EXPECT_EQ(throttle.admit(1, kT0 + 2s), std::nullopt);
  EXPECT_EQ(throttle.admit(0, kT0 + 5s), 1u);
  EXPECT_EQ(throttle.admit(1, kT0 + 6s), 1u);
}

TEST(Throttle, AClockGoingBackwardsLetsALineThrough) {
  Throttle throttle(1, 5s);
  ASSERT_EQ(throttle.admit(0, kT0 + 10s), 0u);
  EXPECT_EQ(throttle.admit(0, kT0), 0u);
}

TEST(Throttle, AKeyOutOfRangeIsNeverHeldBack) {
  Throttle throttle(1, 5s);
  EXPECT_EQ(throttle.admit(7, kT0), 0u);
  EXPECT_EQ(throttle.admit(7, kT0), 0u);
}

}  // namespace
}  // namespace cutover::log
