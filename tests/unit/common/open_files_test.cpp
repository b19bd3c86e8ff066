// The soft limit on open files is raised to the hard one at start-up (README "Running it").
#include "cutover/common/open_files.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace cutover {
namespace {

TEST(OpenFiles, TheSoftLimitGoesUpToTheHardOne) {
  EXPECT_EQ(wanted_open_files({1024, 524288}), 524288u);
  EXPECT_EQ(wanted_open_files({65536, 65536}), 65536u);
  // Never lowered, whatever the two say.
  EXPECT_EQ(wanted_open_files({8192, 4096}), 8192u);
}

TEST(OpenFiles, RaisingTakesEffectForThisProcess) {
  rlimit original{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &original), 0);
  // Start from a low soft limit, as systemd gives a service.
  rlimit lowered = original;
  lowered.rlim_cur = std::min<rlim_t>(original.rlim_max, 256);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);

  const auto now = raise_open_files_limit();
  rlimit after{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_cur, original.rlim_max);
  ASSERT_TRUE(now.has_value());
  EXPECT_EQ(now->soft, original.rlim_max);
  EXPECT_EQ(now->hard, original.rlim_max);
  EXPECT_EQ(open_files_limit()->soft, original.rlim_max);

  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &original), 0);
}

}  // namespace
}  // namespace cutover
