// Start-up raises the soft limit on open files to the hard one, and says so (README "Running it");
// at the limit, the admin API keeps answering (a reserve of descriptors traffic may not take).
#include "support/gateway.hpp"
#include "support/integration_helpers.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

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

TEST(OpenFiles, AtTheLimitTheAdminApiAnswersAndTrafficRecovers) {
  auto app = Upstream::start("app");
  Gateway gw;
  // A hard limit of 256, which start-up cannot raise: prlimit in front of the binary.
  const auto wrapper = gw.write_file("limited.sh", std::string("#!/bin/sh\nexec prlimit --nofile=256:256 ") +
                                                       CUTOVER_BINARY + " \"$@\"\n");
  std::filesystem::permissions(wrapper, std::filesystem::perms::owner_all);
  gw.use_binary(wrapper);
  gw.write_config(yaml_prologue(1) + "backends:\n  legacy: { endpoints: [" + app->address() + "] }\n" +
                  "  new: { endpoints: [" + app->address() + "] }\n" +
                  "routes:\n  - { id: all, match: { prefix: / }, split: { new: 50 }, rollback_to: legacy }\n");
  gw.start();
  ASSERT_EQ(soft_open_files_of(gw.process().pid()), 256u);

  // Keep-alive clients until the gateway turns one away.
  std::vector<HttpConnection> clients;
  for (int i = 0; i < 400; ++i) {
    HttpConnection c(gw.port(), 2s);
    if (c.get("/hold").status != 200) break;
    clients.push_back(std::move(c));
  }
  EXPECT_GT(clients.size(), 100u) << "the reserve took more than it should";
  EXPECT_LT(clients.size(), 256u) << "no client was turned away";

  // The operator's calls still work: health, metrics, and a rollback (which writes the state file).
  EXPECT_EQ(http_get(gw.admin_port(), "/healthz", {}, 5s).status, 200);
  const auto rollback = admin_call(gw.admin_port(), "POST", "/admin/routes/all/rollback", R"({"reason": "at the limit"})");
  EXPECT_EQ(rollback.status, 200) << rollback.body;
  const auto metrics = http_get(gw.admin_port(), "/metrics", {}, 5s).body;
  EXPECT_GE(metric_value(metrics, "cutover_connections_refused_total").value_or(0), 1) << metrics;

  // A few more are turned away, with a warning now and then, not one per attempt.
  for (int i = 0; i < 10; ++i) EXPECT_NE(http_get(gw.port(), "/refused", {}, 2s).status, 200);
  const auto log = gw.process().output(Process::Stream::kStderr);
  std::size_t warnings = 0;
  for (auto at = log.find("not accepting connections"); at != std::string::npos; at = log.find("not accepting connections", at + 1)) {
    ++warnings;
  }
  EXPECT_GE(warnings, 1u) << log;
  EXPECT_LE(warnings, 3u) << log;

  // And once clients go, traffic is served again by itself.
  clients.clear();
  EXPECT_TRUE(wait_until([&] { return http_get(gw.port(), "/again", {}, 2s).status == 200; }, 5s));
}

}  // namespace
}  // namespace cutover::test
