// The pool's verdicts on idle connections (idle_policy.hpp): pure, time passed in.
#include "cutover/upstream/idle_policy.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace cutover::upstream {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(IdlePolicy, AConnectionIsPastItsTimeOnlyOnceIdleTimeoutHasPassed) {
  const auto since = Clock::now();
  EXPECT_FALSE(idle_expired(since, since, 1000ms));
  EXPECT_FALSE(idle_expired(since, since + 1000ms, 1000ms));
  EXPECT_TRUE(idle_expired(since, since + 1001ms, 1000ms));
  EXPECT_TRUE(idle_expired(since, since + 1ms, 0ms));
}

TEST(IdlePolicy, ARemovedEndpointGoesFirstWhateverTheAge) {
  const auto since = Clock::now();
  EXPECT_EQ(idle_fate(since, since, 60s, true), IdleFate::endpoint_removed);
  EXPECT_EQ(idle_fate(since, since + 61s, 60s, true), IdleFate::endpoint_removed);
}

TEST(IdlePolicy, AnExpiredConnectionGoesWithoutLookingAtItsSocket) {
  const auto since = Clock::now();
  EXPECT_EQ(idle_fate(since, since + 61s, 60s, false), IdleFate::idle_timeout);
}

TEST(IdlePolicy, AYoungConnectionToALiveEndpointStaysIfItsSocketIsQuiet) {
  const auto since = Clock::now();
  EXPECT_EQ(idle_fate(since, since + 59s, 60s, false), IdleFate::keep_if_quiet);
}

TEST(IdlePolicy, APeekThatFindsAnythingButNothingMeansTheConnectionIsGone) {
  EXPECT_TRUE(peek_says_gone(0, 0));   // end of file: the backend closed
  EXPECT_TRUE(peek_says_gone(1, 0));   // bytes no request asked for
  EXPECT_TRUE(peek_says_gone(-1, ECONNRESET));
  EXPECT_TRUE(peek_says_gone(-1, EBADF));
  EXPECT_FALSE(peek_says_gone(-1, EAGAIN));
  EXPECT_FALSE(peek_says_gone(-1, EWOULDBLOCK));
  EXPECT_FALSE(peek_says_gone(-1, EINTR));
}

TEST(IdlePolicy, EveryCloseReasonHasAMetricName) {
  EXPECT_EQ(kPoolCloseNames[static_cast<std::size_t>(PoolClose::idle_timeout)], "idle_timeout");
  EXPECT_EQ(kPoolCloseNames[static_cast<std::size_t>(PoolClose::backend_closed)], "backend_closed");
  EXPECT_EQ(kPoolCloseNames[static_cast<std::size_t>(PoolClose::endpoint_removed)], "endpoint_removed");
}

}  // namespace
}  // namespace cutover::upstream
