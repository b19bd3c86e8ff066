// The auth subrequest against backends that misbehave on purpose (issue 20, item 4): one that
// hangs up on idle keep-alive connections (gunicorn's default), one that hangs up on a reused
// connection, one that refuses an unexpected Host (Django's ALLOWED_HOSTS), and a monolith killed
// while the gateway holds cached identities. Every failure is counted by cause and logged.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/identity_checks.hpp"
#include "support/integration_helpers.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <regex>
#include <thread>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// test_upstream's /whoami: sessionid=s-NAME is NAME. `auth` is started by each test with the
// misbehaviour it needs.
class AuthRequestFailures : public ::testing::Test {
 protected:
  void start(const std::string& auth_options, std::vector<std::string> upstream_options = {},
             const std::string& path = "/whoami") {
    app_ = Upstream::start("app");
    auth_ = Upstream::start("auth", std::move(upstream_options));
    gateway_ = std::make_unique<Gateway>();
    gateway_->write_config(config(auth_options, path));
    gateway_->start();
  }

  std::string config(const std::string& auth_options, const std::string& path, const std::string& more_routes = "") {
    return yaml_prologue(1) +
           "identity:\n"
           "  auth_request: { backend: auth, path: '" + path + "'" + auth_options + " }\n"
           "backends:\n"
           "  app: { endpoints: [" + app_->address() + "] }\n"
           "  auth: { endpoints: [" + auth_->address() + "], timeout: 5s }\n"
           "routes:\n" + more_routes +
           "  - { id: open, match: { prefix: / }, backend: app }\n";
  }

  void reload(const std::string& yaml) {
    gateway_->write_config(yaml);
    const auto r = admin_call(gateway_->admin_port(), "POST", "/admin/reload");
    ASSERT_EQ(r.status, 200) << r.body;
  }

  Response as(const std::string& session, Headers more = {}) {
    return http_get(gateway_->port(), "/headers", with({{"Cookie", "sessionid=" + session}}, more));
  }

  // The user the app saw for `session`, or why there was none ("502 auth_unavailable", ...).
  std::string user_of(const std::string& session, Headers more = {}) {
    const auto r = as(session, std::move(more));
    if (r.status != 200) return std::to_string(r.status) + " " + r.body + r.error.message();
    const auto users = user_ids_seen(r);
    return users.size() == 1 ? users[0] : "<" + std::to_string(users.size()) + " user ids>";
  }

  double metric(std::string_view name, const std::map<std::string, std::string>& labels = {}) {
    const auto r = http_get(gateway_->admin_port(), "/metrics");
    return metric_value(r.body, name, labels).value_or(-1);
  }
  double failures(const std::string& cause) {
    return metric("cutover_auth_request_failures_total", {{"cause", cause}});
  }
  std::string gateway_log() { return gateway_->process().output(Process::Stream::kStderr); }

  // Four sessions looked up at once, each on its own client connection, so the gateway holds
  // several pooled connections to the auth backend afterwards; the users the app saw.
  std::vector<std::string> four_at_once(int round) {
    std::vector<std::string> users(4);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < users.size(); ++i) {
      threads.emplace_back([&, i] { users[i] = user_of("s-r" + std::to_string(round) + "u" + std::to_string(i)); });
    }
    for (auto& t : threads) t.join();
    return users;
  }

  std::unique_ptr<Upstream> app_;
  std::unique_ptr<Upstream> auth_;
  std::unique_ptr<Gateway> gateway_;
};

// gunicorn closes a keep-alive connection idle for 2 s; here the backend does after 1 s. Every
// lookup after an idle gap meets connections the backend already closed: none may fail.
TEST_F(AuthRequestFailures, LookupsAfterIdleGapsNeverFail) {
  start("", {"--idle-close-ms", "1000"});
  int failed = 0;
  std::string what;
  for (int round = 0; round < 4; ++round) {
    if (round > 0) std::this_thread::sleep_for(1600ms);  // longer than the backend keeps them
    const auto users = four_at_once(round);
    for (std::size_t i = 0; i < users.size(); ++i) {
      if (users[i] != "r" + std::to_string(round) + "u" + std::to_string(i)) {
        ++failed;
        what += users[i] + "\n";
      }
    }
  }
  EXPECT_EQ(failed, 0) << what;
  EXPECT_EQ(failures("reset"), 0);
}

// A connection that dies under the lookup the moment it is reused (before any answer byte) is
// retried once, on a new connection.
TEST_F(AuthRequestFailures, AReusedConnectionThatDiesIsRetriedOnANewOne) {
  start("", {"--hang-up-on-request", "2"});
  for (int i = 0; i < 5; ++i) {
    const std::string name = "user" + std::to_string(i);
    EXPECT_EQ(user_of("s-" + name), name) << "lookup " << i;
  }
  EXPECT_EQ(auth_->hits("/whoami"), 9u) << "each lookup after the first met a dying connection once";
  EXPECT_EQ(metric("cutover_upstream_retries_total"), 4);
  EXPECT_EQ(failures("reset"), 0);
}

// A new connection that dies is not retried: nothing says a second one would fare better, and the
// client should not wait for two.
TEST_F(AuthRequestFailures, ANewConnectionThatDiesIsNotRetried) {
  start("", {"--hang-up-on-request", "1"});
  const auto r = as("s-alice");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_EQ(parse_json(r.body).value_or(nullptr)["error"], "auth_unavailable") << r.body;
  EXPECT_EQ(auth_->hits("/whoami"), 1u);
  EXPECT_EQ(failures("reset"), 1);
}

// The subrequest carries the client's Host by default: the monolith sees the Host it sees on
// every request the gateway forwards to it, so ALLOWED_HOSTS needs no entry for the gateway.
TEST_F(AuthRequestFailures, TheSubrequestCarriesTheClientsHost) {
  start("", {"--allowed-host", "shop.example"});
  EXPECT_EQ(user_of("s-alice", {{"Host", "shop.example"}}), "alice");
  // Another Host is another question: the monolith's answer for shop.example is not reused for it.
  const auto r = as("s-alice", {{"Host", "evil.example"}});
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_EQ(failures("status"), 1);
  EXPECT_EQ(auth_->hits("/whoami"), 2u);
}

// identity.auth_request.host names the Host the monolith expects, whatever the client sent.
TEST_F(AuthRequestFailures, TheHostSettingOverridesTheClientsHost) {
  start(", host: shop.example", {"--allowed-host", "shop.example"});
  EXPECT_EQ(user_of("s-alice", {{"Host", "www.example"}}), "alice");
  EXPECT_EQ(user_of("s-bob"), "bob");  // Host: 127.0.0.1:PORT
  EXPECT_EQ(failures("status"), 0);
}

// The monolith dies while identities are cached: past cache_ttl they are still served (and
// counted as stale) until stale_if_error has passed too, then refused. Sessions never looked up
// are refused at once.
TEST_F(AuthRequestFailures, AKilledMonolithsCachedIdentitiesLastForStaleIfError) {
  start(", cache_ttl: 1s, stale_if_error: 3s");
  const auto looked_up = Clock::now();
  ASSERT_EQ(user_of("s-alice"), "alice");
  auth_->process->send_signal(SIGKILL);
  ASSERT_TRUE(auth_->process->wait_exit(5s));

  const auto r = as("s-bob");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_EQ(parse_json(r.body).value_or(nullptr)["error"], "auth_unavailable") << r.body;

  std::this_thread::sleep_until(looked_up + 1200ms);  // past cache_ttl: asking fails, the answer is stale
  EXPECT_EQ(user_of("s-alice"), "alice");
  EXPECT_GE(metric("cutover_auth_request_stale_total"), 1);

  // Refused once cache_ttl + stale_if_error have passed since the lookup began, not before.
  // The gateway reads its clock after the lookup began and before the refusal's answer arrives,
  // so an answer received sooner than 4 s after `looked_up` was refused too early.
  Clock::time_point refusal_received{};
  EXPECT_TRUE(wait_until(
      [&] {
        const std::string user = user_of("s-alice");
        if (user == "alice") return false;
        refusal_received = Clock::now();
        EXPECT_THAT(user, ::testing::StartsWith("502 ")) << user;
        return true;
      },
      15s, 100ms));
  EXPECT_GE(refusal_received - looked_up, 4s) << "the stale identity was refused before stale_if_error ran out";
  EXPECT_GE(failures("refused"), 3);
  EXPECT_THAT(gateway_log(), ::testing::HasSubstr("cause=refused"));
}

// A reload during the outage (an SRE moving a route) keeps the stale identities: the lookup did
// not change. A reload that changes the lookup starts afresh, like every other identity cache.
TEST_F(AuthRequestFailures, AReloadDuringTheOutageKeepsStaleIdentitiesUnlessTheLookupChanged) {
  start(", cache_ttl: 1s, stale_if_error: 60s");
  const auto looked_up = Clock::now();
  ASSERT_EQ(user_of("s-alice"), "alice");
  auth_->process->send_signal(SIGKILL);
  ASSERT_TRUE(auth_->process->wait_exit(5s));
  std::this_thread::sleep_until(looked_up + 1200ms);
  ASSERT_EQ(user_of("s-alice"), "alice");  // stale already

  reload(config(", cache_ttl: 1s, stale_if_error: 60s", "/whoami",
                "  - { id: notes, match: { prefix: /notes }, backend: app }\n"));
  EXPECT_EQ(user_of("s-alice"), "alice");

  reload(config(", cache_ttl: 1s, stale_if_error: 60s", "/internal/whoami"));
  EXPECT_THAT(user_of("s-alice"), ::testing::StartsWith("502 "));
}

// What an SRE reads: each cause counted, and a log line naming it (at most one per cause and
// worker every 5 s, with the count of those not logged).
struct CauseCase {
  const char* cause;
  std::string path;
  std::string auth_options;
  std::vector<std::string> upstream_options;
  const char* log_says;
};

TEST_F(AuthRequestFailures, EachFailureIsCountedAndLoggedWithItsCause) {
  const std::vector<CauseCase> cases = {
      {"status", "/status/500", "", {}, "answered 500"},
      {"missing_header", "/status/200", "", {}, "without X-User-Id"},
      {"timeout", "/delay?ms=3000", ", timeout: 200ms", {}, "200ms"},
      {"reset", "/whoami", "", {"--hang-up-on-request", "1"}, "closed"},
      {"refused", "/whoami", "", {}, "refused"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.cause);
    start(c.auth_options, c.upstream_options, c.path);
    if (std::string_view(c.cause) == "refused") auth_->stop();
    const auto began = Clock::now();
    for (int i = 0; i < 3; ++i) {
      const auto r = as("s-alice");
      EXPECT_EQ(r.status, 502) << r.body;
    }
    EXPECT_EQ(failures(c.cause), 3);
    EXPECT_EQ(metric("cutover_auth_request_failures_total"), 3) << "counted under another cause too";
    const std::string log = gateway_log();
    EXPECT_THAT(log, ::testing::HasSubstr(std::string("cause=") + c.cause)) << log;
    EXPECT_THAT(log, ::testing::HasSubstr(c.log_says)) << log;
    // At most one line per 5 s: three failures in quick succession make one.
    const auto windows = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - began).count() / 5 + 1;
    const std::regex line(std::string("cause=") + c.cause);
    const auto lines = std::distance(std::sregex_iterator(log.begin(), log.end(), line), std::sregex_iterator());
    EXPECT_LE(lines, windows) << log;
    gateway_.reset();
  }
}

}  // namespace
}  // namespace cutover::test
