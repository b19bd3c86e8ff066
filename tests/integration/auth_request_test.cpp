// The auth subrequest (README "identity.auth_request"): the legacy backend says who owns a
// session cookie; answers are cached per session and worker, concurrent lookups share one
// subrequest, failures are 502 and never cached, and a presented token wins over the session.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/identity_checks.hpp"
#include "support/integration_helpers.hpp"
#include "support/jwt_mint.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;

// auth_request against test_upstream's /whoami: sessionid=s-NAME is NAME, "down" is a 503,
// anything else a 401 (anonymous).
class AuthRequest : public ::testing::Test {
 protected:
  void start(int workers, const std::string& extra_identity = "", const std::string& auth_options = "") {
    app_ = Upstream::start("app");
    auth_ = Upstream::start("auth");
    gateway_ = std::make_unique<Gateway>();
    gateway_->write_config(yaml_prologue(workers) +
                           "identity:\n"
                           "  auth_request: { backend: auth, path: /whoami" + auth_options + " }\n" + extra_identity +
                           "backends:\n"
                           "  app: { endpoints: [" + app_->address() + "] }\n"
                           "  auth: { endpoints: [" + auth_->address() + "] }\n"
                           "routes:\n"
                           "  - { id: open, match: { prefix: / }, backend: app }\n"
                           "  - { id: private, match: { prefix: /private }, backend: app, require_user: true }\n");
    gateway_->start();
  }

  Response with_session(const std::string& session, const std::string& target = "/headers") {
    return http_get(gateway_->port(), target, with({{"Cookie", "a=1; sessionid=" + session}}, kSpoofs));
  }

  std::unique_ptr<Upstream> app_;
  std::unique_ptr<Upstream> auth_;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(AuthRequest, SessionCookieNamesTheUser) {
  start(2);
  auto r = with_session("s-alice");
  ASSERT_EQ(r.status, 200) << r.error.message() << " " << r.body;
  EXPECT_EQ(user_ids_seen(r), std::vector<std::string>{"alice"}) << r.body;
  EXPECT_THAT(namespace_headers_seen(r), ::testing::IsEmpty());

  r = with_session("nobody");  // whoami says 401: anonymous, not an error
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(user_ids_seen(r), ::testing::IsEmpty()) << r.body;
  expect_401(with_session("nobody", "/private/x"));

  r = http_get(gateway_->port(), "/headers", kSpoofs);  // no session cookie: no lookup at all
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(user_ids_seen(r), ::testing::IsEmpty()) << r.body;

  r = with_session("s-bob", "/private/x");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse_json(r.body).value_or(nullptr)["user"], "bob");
  EXPECT_EQ(app_->hits("/whoami"), 0u) << "the subrequest went to the wrong backend";
}

TEST_F(AuthRequest, FailedLookupIs502AndIsNotCached) {
  start(1);
  for (int i = 0; i < 2; ++i) {
    const auto r = with_session("down");
    ASSERT_EQ(r.status, 502) << r.body;
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    EXPECT_EQ(parse_json(r.body).value_or(nullptr)["error"], "auth_unavailable") << r.body;
  }
  EXPECT_EQ(auth_->hits("/whoami"), 2u) << "a failed lookup must be asked again";
  EXPECT_EQ(app_->hits("/headers"), 0u) << "forwarded without knowing the user";
  // Other sessions are unaffected.
  EXPECT_EQ(user_ids_seen(with_session("s-erin")), std::vector<std::string>{"erin"});
  // No answer at all (the auth backend is gone) is a failure too, not "anonymous".
  auth_->stop();
  const auto r = with_session("s-ivan");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_EQ(parse_json(r.body).value_or(nullptr)["error"], "auth_unavailable") << r.body;
}

TEST_F(AuthRequest, AnswersAreCachedPerSession) {
  start(1);
  HttpConnection c(gateway_->port());
  for (int i = 0; i < 20; ++i) {
    const auto r = c.get("/headers", {{"Cookie", "sessionid=s-dave"}});
    ASSERT_EQ(r.status, 200) << i << " " << r.body;
    ASSERT_EQ(user_ids_seen(r), std::vector<std::string>{"dave"}) << i;
  }
  for (int i = 0; i < 5; ++i) EXPECT_EQ(user_ids_seen(with_session("s-dave")), std::vector<std::string>{"dave"});
  EXPECT_EQ(auth_->hits("/whoami"), 1u);
  // A different session is its own lookup.
  EXPECT_EQ(user_ids_seen(with_session("s-frank")), std::vector<std::string>{"frank"});
  EXPECT_EQ(auth_->hits("/whoami"), 2u);
}

TEST_F(AuthRequest, CachedAnswerExpiresAfterItsTtl) {
  start(1, "", ", cache_ttl: 1s");
  ASSERT_EQ(user_ids_seen(with_session("s-henry")), std::vector<std::string>{"henry"});
  ASSERT_EQ(user_ids_seen(with_session("s-henry")), std::vector<std::string>{"henry"});
  ASSERT_EQ(auth_->hits("/whoami"), 1u);
  // Asked again once cache_ttl (1s here) has passed, not before.
  EXPECT_TRUE(wait_until(
      [&] {
        EXPECT_EQ(user_ids_seen(with_session("s-henry")), std::vector<std::string>{"henry"});
        return auth_->hits("/whoami") == 2;
      },
      5s, 50ms));
  EXPECT_EQ(auth_->hits("/whoami"), 2u);
}

TEST_F(AuthRequest, ConcurrentLookupsOfOneSessionShareOneSubrequest) {
  start(1);
  constexpr int kClients = 20;
  std::vector<HttpConnection> connections;
  for (int i = 0; i < kClients; ++i) connections.emplace_back(gateway_->port());
  std::atomic<int> ready{0};
  std::atomic<int> right{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      ready.fetch_add(1);
      while (ready.load() < kClients) std::this_thread::yield();
      const auto r = connections[static_cast<std::size_t>(i)].get("/headers", {{"Cookie", "sessionid=s-grace"}});
      if (r.status == 200 && user_ids_seen(r) == std::vector<std::string>{"grace"}) right.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(right.load(), kClients);
  EXPECT_EQ(auth_->hits("/whoami"), 1u);
}

TEST_F(AuthRequest, APresentedTokenDecidesWithoutAskingAboutTheSession) {
  Gateway scratch;  // only to hold the secret file next to the real config
  const auto secret = scratch.write_file("hs256.key", kJwtSecret);
  start(1, "  jwt: { hs256_secret_file: " + secret.string() + " }\n");
  auto r = http_get(gateway_->port(), "/headers",
                    {{"Authorization", bearer(hs256_user_token("token-user"))}, {"Cookie", "sessionid=s-alice"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(user_ids_seen(r), std::vector<std::string>{"token-user"});
  // An invalid token's verdict stands: anonymous, not the session's user.
  r = http_get(gateway_->port(), "/headers", {{"Authorization", "Bearer not.a.token"}, {"Cookie", "sessionid=s-alice"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(user_ids_seen(r), ::testing::IsEmpty());
  EXPECT_EQ(auth_->hits("/whoami"), 0u);
  // Without a token the session is asked.
  EXPECT_EQ(user_ids_seen(with_session("s-alice")), std::vector<std::string>{"alice"});
  EXPECT_EQ(auth_->hits("/whoami"), 1u);
}

}  // namespace
}  // namespace cutover::test
