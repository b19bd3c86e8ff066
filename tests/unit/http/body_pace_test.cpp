// limits.min_body_rate, decided with the clock passed in (src/http/body_pace.hpp).
#include "http/body_pace.hpp"

#include <gtest/gtest.h>

#include <boost/beast/core/error.hpp>

namespace cutover::http {
namespace {

using namespace std::chrono_literals;
using Clock = BodyPace::Clock;
constexpr std::chrono::milliseconds kIdle = 30s;

TEST(BodyPace, AReadIsDueAtTheWindowsEndOrAfterTheIdleTimeoutWhicheverIsFirst) {
  const Clock::time_point start{};
  BodyPace pace(1024, start);
  EXPECT_EQ(pace.read_due(kIdle), start + kPaceWindow);
  EXPECT_EQ(pace.read_due(2s), start + 2s);
  BodyPace off(0, start);
  EXPECT_EQ(off.read_due(kIdle), start + kIdle) << "no minimum: only the idle timeout";
}

TEST(BodyPace, EachWindowMustBringTheMinimum) {
  const Clock::time_point start{};
  BodyPace pace(1024, start);  // 10 KiB per 10 s window
  EXPECT_FALSE(pace.after_read(4096, start + 3s, false, kIdle));
  EXPECT_FALSE(pace.after_read(6144, start + 9s, false, kIdle));
  // The first window brought 10 KiB: the next one starts at 10 s, and needs 10 KiB of its own.
  EXPECT_FALSE(pace.after_read(0, start + 10s, true, kIdle)) << "a window's end is not the idle timeout";
  EXPECT_EQ(pace.read_due(kIdle), start + 20s);
  EXPECT_FALSE(pace.after_read(4760, start + 15s, false, kIdle));
  EXPECT_FALSE(pace.after_read(5479, start + 19s, false, kIdle));
  EXPECT_EQ(pace.after_read(0, start + 20s, true, kIdle), PaceError::too_slow) << "one byte short";
}

TEST(BodyPace, AByteEverySecondIsTooSlowThoughNeverSilentForLong) {
  const Clock::time_point start{};
  BodyPace pace(1024, start);
  boost::system::error_code ec;
  std::uint64_t total = 0;
  for (int second = 1; second <= 30 && !ec; ++second) {
    ++total;
    ec = pace.after_read(1, start + std::chrono::seconds(second), false, kIdle);
  }
  EXPECT_EQ(ec, PaceError::too_slow);
  EXPECT_EQ(total, 10u) << "refused at the end of the first window";
}

TEST(BodyPace, SilenceIsTheIdleTimeoutWithoutAMinimum) {
  const Clock::time_point start{};
  BodyPace pace(0, start);
  EXPECT_FALSE(pace.after_read(1, start + 1h, false, kIdle)) << "no minimum rate";
  EXPECT_FALSE(pace.after_read(0, start + 1h + 10s, true, kIdle)) << "woken early";
  EXPECT_EQ(pace.after_read(0, start + 1h + 30s, true, kIdle), boost::beast::error::timeout);
}

TEST(BodyPace, AReadWithNothingAcrossSeveralWindowsIsTooSlow) {
  const Clock::time_point start{};
  BodyPace pace(1, start);
  EXPECT_EQ(pace.after_read(0, start + 25s, true, kIdle), PaceError::too_slow);
}

}  // namespace
}  // namespace cutover::http
