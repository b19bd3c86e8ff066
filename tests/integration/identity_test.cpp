// Identity can't be forged (DESIGN.md invariant 2): client copies of the identity header and the
// gateway's namespace never reach a backend; the header is set only from a verified JWT (HS256,
// RS256, header or cookie). The auth subrequest has its own file (auth_request_test.cpp).
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/identity_checks.hpp"
#include "support/integration_helpers.hpp"
#include "support/jwt_mint.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class JwtIdentity : public ::testing::Test {
 protected:
  void SetUp() override {
    app_ = Upstream::start("app");
    gateway_ = std::make_unique<Gateway>();
    const auto secret = gateway_->write_file("hs256.key", std::string(kJwtSecret) + "\n");
    gateway_->write_config(yaml_prologue() +
                           "identity:\n"
                           "  jwt: { hs256_secret_file: " + secret.string() + ", cookie: session_jwt }\n"
                           "backends:\n"
                           "  app: { endpoints: [" + app_->address() + "] }\n"
                           "routes:\n"
                           "  - { id: open, match: { prefix: / }, backend: app }\n"
                           "  - { id: private, match: { prefix: /private }, backend: app, require_user: true }\n"
                           "  - { id: private-headers, match: { path: /headers, host: private.test }, backend: app,"
                           " require_user: true }\n");
    gateway_->start();
  }

  Response headers_seen(const Headers& headers) { return http_get(gateway_->port(), "/headers", headers); }

  std::unique_ptr<Upstream> app_;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(JwtIdentity, AnonymousSpoofedIdentityNeverReachesTheBackend) {
  const auto r = headers_seen(kSpoofs);
  ASSERT_EQ(r.status, 200) << r.error.message();
  EXPECT_THAT(user_ids_seen(r), ::testing::IsEmpty()) << r.body;
  EXPECT_THAT(namespace_headers_seen(r), ::testing::IsEmpty()) << r.body;
  // The default reply shows no user either.
  const auto root = http_get(gateway_->port(), "/", kSpoofs);
  ASSERT_EQ(root.status, 200);
  EXPECT_TRUE(parse_json(root.body).value_or(nullptr)["user"].is_null()) << root.body;
}

TEST_F(JwtIdentity, ValidTokenGivesExactlyOneUserHeaderWithItsSubject) {
  const auto token = hs256_user_token("alice");
  for (const auto& extra : {Headers{}, kSpoofs}) {
    const auto r = headers_seen(with({{"Authorization", bearer(token)}}, extra));
    ASSERT_EQ(r.status, 200) << r.error.message();
    EXPECT_EQ(user_ids_seen(r), std::vector<std::string>{"alice"}) << r.body;
    EXPECT_THAT(namespace_headers_seen(r), ::testing::IsEmpty()) << r.body;
  }
  // The same token again (now from the cache) still gives exactly the same answer.
  const auto cached = headers_seen(with({{"Authorization", bearer(token)}}, kSpoofs));
  EXPECT_EQ(user_ids_seen(cached), std::vector<std::string>{"alice"}) << cached.body;
}

TEST_F(JwtIdentity, InvalidTokensAreAnonymousAndNeverForwardAUser) {
  const auto now = unix_now();
  const auto valid = hs256_user_token("mallory");
  const auto payload_start = valid.find('.') + 1;
  std::string tampered = valid;
  tampered[payload_start + 3] = tampered[payload_start + 3] == 'A' ? 'B' : 'A';
  const std::vector<std::pair<std::string, std::string>> tokens{
      {"expired beyond leeway", hs256_user_token("mallory", kJwtSecret, -120)},
      {"wrong secret", hs256_user_token("mallory", "another-secret-that-is-long-enough-0000")},
      {"alg none", hand_jwt(R"({"alg":"none","typ":"JWT"})",
                            R"({"sub":"mallory","exp":)" + std::to_string(now + 3600) + "}", "")},
      {"tampered payload", tampered},
      {"not before in the future",
       sign_jwt("HS256", kJwtSecret,
                R"({"sub":"mallory","nbf":)" + std::to_string(now + 600) + R"(,"exp":)" + std::to_string(now + 3600) + "}")},
      {"no subject", sign_jwt("HS256", kJwtSecret, R"({"exp":)" + std::to_string(now + 3600) + "}")},
      {"garbage", "abc.def.ghi"},
  };
  for (const auto& [what, token] : tokens) {
    SCOPED_TRACE(what);
    const auto r = headers_seen(with({{"Authorization", bearer(token)}}, kSpoofs));
    ASSERT_EQ(r.status, 200) << r.error.message();
    EXPECT_THAT(user_ids_seen(r), ::testing::IsEmpty()) << r.body;
    expect_401(http_get(gateway_->port(), "/private/x", {{"Authorization", bearer(token)}}));
    expect_401(http_get(gateway_->port(), "/private/x", {{"Cookie", "session_jwt=" + token}}));
  }
}

TEST_F(JwtIdentity, ExpiryWithinTheLeewayIsAccepted) {
  const auto r = http_get(gateway_->port(), "/private/x",
                          {{"Authorization", bearer(hs256_user_token("late", kJwtSecret, -10))}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse_json(r.body).value_or(nullptr)["user"], "late");
}

TEST_F(JwtIdentity, RequireUserRouteWantsAValidToken) {
  const auto port = gateway_->port();
  expect_401(http_get(port, "/private/x"));
  expect_401(http_get(port, "/private/x", {{"X-User-Id", "admin"}}));  // a spoof is not a user
  expect_401(http_get(port, "/headers", {{"Host", "private.test"}, {"X-User-Id", "admin"}}));
  expect_401(http_get(port, "/private/x", {{"Authorization", "Basic YWRtaW46YWRtaW4="}}));
  EXPECT_EQ(app_->hits("/private/x"), 0u) << "a 401 request reached the backend";

  auto r = http_get(port, "/private/x", with({{"Authorization", bearer(hs256_user_token("bob"))}}, kSpoofs));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse_json(r.body).value_or(nullptr)["user"], "bob");
  r = http_get(port, "/headers", {{"Host", "private.test"}, {"Authorization", bearer(hs256_user_token("bob"))}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(user_ids_seen(r), std::vector<std::string>{"bob"});
}

TEST_F(JwtIdentity, TokenInTheConfiguredCookie) {
  const auto token = hs256_user_token("carol");
  auto r = http_get(gateway_->port(), "/private/x", {{"Cookie", "theme=dark; session_jwt=" + token + "; x=1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse_json(r.body).value_or(nullptr)["user"], "carol");
  r = headers_seen(with({{"Cookie", "session_jwt=" + token}}, kSpoofs));
  EXPECT_EQ(user_ids_seen(r), std::vector<std::string>{"carol"}) << r.body;
  // Another cookie name is not a token.
  expect_401(http_get(gateway_->port(), "/private/x", {{"Cookie", "other_jwt=" + token}}));
}

TEST_F(JwtIdentity, IdentityDoesNotLeakBetweenRequestsOnOneConnection) {
  HttpConnection c(gateway_->port());
  auto r = c.get("/headers", {{"Authorization", bearer(hs256_user_token("alice"))}});
  ASSERT_EQ(user_ids_seen(r), std::vector<std::string>{"alice"});
  r = c.get("/headers");
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(user_ids_seen(r), ::testing::IsEmpty()) << "the previous request's user leaked";
  expect_401(c.get("/private/x"));
  r = c.get("/headers", {{"Authorization", bearer(hs256_user_token("bob"))}});
  EXPECT_EQ(user_ids_seen(r), std::vector<std::string>{"bob"});
}

TEST_F(JwtIdentity, SubjectThatWouldSplitAHeaderIsRefused) {
  // Correctly signed, but the user id carries CR LF: injecting it would forge a header.
  const auto exp = std::to_string(unix_now() + 3600);
  for (const std::string sub : {R"(evil\r\nX-Admin: 1)", R"(tab\tbed)", R"(bell\u0007x)", R"(del\u007fx)"}) {
    SCOPED_TRACE(sub);
    const auto token = sign_jwt("HS256", kJwtSecret, R"({"sub":")" + sub + R"(","exp":)" + exp + "}");
    const auto r = headers_seen({{"Authorization", bearer(token)}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_THAT(user_ids_seen(r), ::testing::IsEmpty()) << r.body;
    EXPECT_FALSE(find_header(upstream_headers(r), "X-Admin")) << r.body;
    expect_401(http_get(gateway_->port(), "/private/x", {{"Authorization", bearer(token)}}));
  }
}

TEST_F(JwtIdentity, ReloadWithANewSecretRevokesCachedTokens) {
  const auto token = hs256_user_token("alice");
  ASSERT_EQ(http_get(gateway_->port(), "/private/x", {{"Authorization", bearer(token)}}).status, 200);
  // Same config, another secret: the token (already verified and cached) must stop working.
  const std::string rotated = "a-completely-different-secret-0123456789";
  gateway_->write_file("hs256.key", rotated);
  auto& p = gateway_->process();
  const auto mark = p.output_size(Process::Stream::kStderr);
  ASSERT_TRUE(p.send_signal(SIGHUP));
  ASSERT_TRUE(p.wait_for_line(std::regex("reloaded"), 10s, Process::Stream::kStderr, mark)) << p.output();
  HttpConnection c(gateway_->port());
  for (int i = 0; i < 4; ++i) expect_401(c.get("/private/x", {{"Authorization", bearer(token)}}));
  const auto fresh = c.get("/private/x", {{"Authorization", bearer(hs256_user_token("alice", rotated))}});
  EXPECT_EQ(fresh.status, 200) << fresh.body;
}

TEST(IdentityConfig, AnonymousDenyAndCustomHeaderNames) {
  auto app = Upstream::start("app");
  Gateway gw;
  const auto secret = gw.write_file("hs256.key", kJwtSecret);
  gw.write_config(yaml_prologue() +
                  "identity:\n"
                  "  header: X-Auth-User\n"
                  "  namespace: X-Edge-\n"
                  "  anonymous: deny\n"
                  "  jwt: { hs256_secret_file: " + secret.string() + " }\n"
                  "backends:\n"
                  "  app: { endpoints: [" + app->address() + "] }\n"
                  "routes:\n"
                  "  - { id: members, match: { prefix: / }, backend: app }\n"
                  "  - { id: public, match: { prefix: /public }, backend: app, require_user: false }\n");
  gw.start();
  const Headers spoofs{{"X-Auth-User", "admin"}, {"x-auth-user", "root"}, {"X-Edge-Role", "admin"}};
  expect_401(http_get(gw.port(), "/headers", spoofs));
  auto r = http_get(gw.port(), "/public/x", spoofs);
  EXPECT_EQ(r.status, 200) << r.body;
  r = http_get(gw.port(), "/headers", with({{"Authorization", bearer(hs256_user_token("zoe"))}}, spoofs));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto seen = upstream_headers(r);
  EXPECT_EQ(find_headers(seen, "X-Auth-User"), std::vector<std::string>{"zoe"}) << r.body;
  EXPECT_FALSE(find_header(seen, "X-Edge-Role")) << r.body;
}

TEST(JwtRs256, PublicKeyVerifiesAndAlgorithmConfusionIsRejected) {
  const auto keys = generate_rsa_keys();
  const auto other = generate_rsa_keys();
  auto app = Upstream::start("app");
  Gateway gw;
  const auto pem = gw.write_file("rs256.pub", keys.public_pem);
  gw.write_config(yaml_prologue() +
                  "identity:\n"
                  "  jwt: { rs256_public_key_file: " + pem.string() + " }\n"
                  "backends:\n"
                  "  app: { endpoints: [" + app->address() + "] }\n"
                  "routes:\n"
                  "  - { id: private, match: { prefix: / }, backend: app, require_user: true }\n");
  gw.start();
  const auto exp = std::to_string(unix_now() + 3600);
  const auto claims = R"({"sub":"rsa-user","exp":)" + exp + "}";

  auto r = http_get(gw.port(), "/headers", {{"Authorization", bearer(sign_jwt("RS256", keys.private_pem, claims))}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(user_ids_seen(r), std::vector<std::string>{"rsa-user"});

  // HS256 "signed" with the public key as the HMAC secret: the classic confusion attack.
  expect_401(http_get(gw.port(), "/x",
                      {{"Authorization", bearer(hand_jwt(R"({"alg":"HS256","typ":"JWT"})", claims, keys.public_pem))}}));
  // Signed by someone else's key.
  expect_401(http_get(gw.port(), "/x", {{"Authorization", bearer(sign_jwt("RS256", other.private_pem, claims))}}));
  // HS256 is not configured at all here.
  expect_401(http_get(gw.port(), "/x", {{"Authorization", bearer(hs256_user_token("rsa-user"))}}));
}

}  // namespace
}  // namespace cutover::test
