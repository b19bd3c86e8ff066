// Short load runs with wrk: 64 connections for 3 s must see no socket errors and no non-2xx
// answers, also while the config is reloaded under them (DESIGN.md invariants 3 and 5).
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/jwt_mint.hpp"
#include "support/process.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kWrk = "/usr/bin/wrk";

struct WrkRun {
  std::optional<int> exit_code;
  std::string out;
  std::uint64_t requests = 0;  // "N requests in 3.00s"
};

std::vector<std::string> wrk_argv(const std::string& url, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv{kWrk, "-t2", "-c64", "-d3s", "--timeout", "5s"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  return argv;
}

// Waits for wrk and reads its summary.
WrkRun finish(Process& wrk) {
  WrkRun run;
  run.exit_code = wrk.wait_exit(30s);
  run.out = wrk.output(Process::Stream::kStdout) + wrk.output(Process::Stream::kStderr);
  std::smatch m;
  if (std::regex_search(run.out, m, std::regex(R"((\d+) requests in)"))) run.requests = std::stoull(m[1]);
  return run;
}

WrkRun run_wrk(const std::string& url, const std::vector<std::string>& extra = {}) {
  Process wrk(wrk_argv(url, extra));
  return finish(wrk);
}

void expect_clean(const WrkRun& run) {
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_GT(run.requests, 500u) << run.out;
  EXPECT_THAT(run.out, Not(HasSubstr("Socket errors"))) << run.out;
  EXPECT_THAT(run.out, Not(HasSubstr("Non-2xx or 3xx responses"))) << run.out;
}

class Load : public ::testing::Test {
 protected:
  void SetUp() override {
    // scripts/install-deps.sh installs wrk: missing means a broken setup, not a reason to skip.
    ASSERT_TRUE(std::filesystem::exists(kWrk)) << kWrk << " is not installed (scripts/install-deps.sh installs it)";
    old_ = Upstream::start("old", 2);
    new_ = Upstream::start("new", 2);
    gateway_ = std::make_unique<Gateway>();
    secret_ = gateway_->write_file("hs256.key", kJwtSecret);
    gateway_->write_config(config(25));
    gateway_->start();
  }

  std::string config(int percent) const {
    return yaml_prologue() +
           "identity:\n  jwt: { hs256_secret_file: " + secret_.string() + " }\n"
           "backends:\n"
           "  old: { endpoints: [" + old_->address() + "] }\n"
           "  new: { endpoints: [" + new_->address() + "] }\n"
           "routes:\n"
           "  - { id: plain, match: { prefix: / }, backend: old }\n"
           "  - { id: notes, match: { prefix: /api/notes }, split: { new: " + std::to_string(percent) +
           " }, rollback_to: old }\n";
  }

  std::string url(const std::string& path) const { return "http://" + gateway_->address() + path; }

  std::unique_ptr<Upstream> old_;
  std::unique_ptr<Upstream> new_;
  std::unique_ptr<Gateway> gateway_;
  std::filesystem::path secret_;
};

TEST_F(Load, SimpleRouteHasNoErrors) {
  const auto run = run_wrk(url("/hello"));
  expect_clean(run);
  // Every request wrk counted reached the backend (a few more may have been in flight at the end).
  EXPECT_GE(old_->hits("/hello"), run.requests);
  EXPECT_TRUE(gateway_->process().running());
  EXPECT_EQ(http_get(gateway_->port(), "/after-load").status, 200);
}

TEST_F(Load, SignedInSplitRouteHasNoErrors) {
  const auto run = run_wrk(url("/api/notes/1"), {"-H", "Authorization: Bearer " + hs256_user_token("load-user")});
  expect_clean(run);
  // One user, sticky: every request went to the same backend.
  const auto on_old = old_->hits("/api/notes/1");
  const auto on_new = new_->hits("/api/notes/1");
  EXPECT_TRUE(on_old == 0 || on_new == 0) << "one user was split: old " << on_old << ", new " << on_new;
  EXPECT_GE(on_old + on_new, run.requests);
}

TEST_F(Load, ReloadsUnderLoadDropNothing) {
  Process wrk(wrk_argv(url("/api/notes/7")));
  // Reload every 200 ms while wrk runs, alternating between two valid configs.
  int reloads = 0;
  for (int i = 0; i < 12 && wrk.running(); ++i) {
    const auto mark = gateway_->process().output_size(Process::Stream::kStderr);
    gateway_->write_config(config(i % 2 ? 25 : 75));
    ASSERT_TRUE(gateway_->process().send_signal(SIGHUP));
    ASSERT_TRUE(gateway_->process().wait_for_line(std::regex("reloaded"), 5s, Process::Stream::kStderr, mark))
        << gateway_->process().output();
    ++reloads;
    std::this_thread::sleep_for(200ms);  // paces the reloads; not synchronization
  }
  EXPECT_GE(reloads, 5);
  const auto run = finish(wrk);
  expect_clean(run);
  EXPECT_TRUE(gateway_->process().running());
}

}  // namespace
}  // namespace cutover::test
