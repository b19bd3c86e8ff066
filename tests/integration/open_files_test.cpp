// Start-up raises the soft limit on open files to the hard one, and says so (README "Running it").
#include "support/gateway.hpp"
#include "support/integration_helpers.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <fstream>
#include <regex>
#include <string>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;

// "Max open files" soft limit from /proc/PID/limits; 0 when unreadable.
std::uint64_t soft_open_files_of(pid_t pid) {
  std::ifstream limits("/proc/" + std::to_string(pid) + "/limits");
  std::string line;
  const std::regex row(R"(^Max open files\s+(\d+)\s+)");
  std::smatch m;
  while (std::getline(limits, line)) {
    if (std::regex_search(line, m, row)) return std::stoull(m[1]);
  }
  return 0;
}

TEST(OpenFiles, TheGatewayRaisesItsSoftLimitToTheHardOne) {
  auto app = Upstream::start("app");
  rlimit original{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &original), 0);
  ASSERT_GT(original.rlim_max, 512u);
  Gateway gw;
  gw.write_config(yaml_prologue(1) + "backends:\n  app: { endpoints: [" + app->address() + "] }\n" +
                  "routes:\n  - { id: all, match: { prefix: / }, backend: app }\n");
  // Started with a low soft limit, as systemd starts a service (the child inherits it).
  rlimit low = original;
  low.rlim_cur = 512;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  gw.start();
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &original), 0);

  EXPECT_EQ(soft_open_files_of(gw.process().pid()), original.rlim_max);
  EXPECT_THAT(gw.process().output(Process::Stream::kStderr),
              ::testing::HasSubstr("open files " + std::to_string(original.rlim_max)));
}

}  // namespace
}  // namespace cutover::test
