// Route choice and sticky splits through the real binary: most-specific-wins, method and host
// fallback, split proportions, stickiness, monotone ramps across restarts, replicas agreeing,
// and the anonymous sticky cookie (DESIGN.md invariant 1).
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/jwt_mint.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <map>
#include <thread>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr int kUsers = 2000;

std::string bearer(const std::string& token) { return "Bearer " + token; }

// The documented bucket: XXH64(cohort + 0x1F + user, seed 0) % 10000 (docs/design.md). The
// first split target owns buckets from 0 up.
std::uint32_t expected_bucket(const std::string& cohort, const std::string& user) {
  const std::string key = cohort + '\x1f' + user;
  return static_cast<std::uint32_t>(XXH64(key.data(), key.size(), 0) % 10000);
}

// Three distinct upstreams behind one gateway per test; `routes` is the YAML routes section.
class Routing : public ::testing::Test {
 protected:
  void SetUp() override {
    legacy_ = Upstream::start("legacy");
    fresh_ = Upstream::start("fresh");
    admin_ = Upstream::start("admin");
  }

  std::string backends_yaml() const {
    return "backends:\n"
           "  legacy: { endpoints: [" + legacy_->address() + "] }\n"
           "  fresh: { endpoints: [" + fresh_->address() + "] }\n"
           "  admin: { endpoints: [" + admin_->address() + "] }\n";
  }

  // The JWT identity section plus the secret file, for a gateway not started yet.
  static std::string identity_yaml(Gateway& gw) {
    const auto secret = gw.write_file("hs256.key", kJwtSecret);
    return "identity:\n  jwt: { hs256_secret_file: " + secret.string() + " }\n";
  }

  std::unique_ptr<Gateway> start_split(const std::string& split, const std::string& sticky = "user") {
    auto gw = std::make_unique<Gateway>();
    gw->write_config(yaml_prologue() + identity_yaml(*gw) + backends_yaml() +
                     "routes:\n"
                     "  - id: plain\n"
                     "    match: { prefix: / }\n"
                     "    backend: legacy\n"
                     "  - id: notes\n"
                     "    match: { prefix: /api/notes }\n"
                     "    split: " + split + "\n"
                     "    rollback_to: legacy\n"
                     "    sticky: " + sticky + "\n");
    gw->start();
    return gw;
  }

  std::unique_ptr<Upstream> legacy_;
  std::unique_ptr<Upstream> fresh_;
  std::unique_ptr<Upstream> admin_;
};

// users[i] -> X-Served-By of GET target with users[i]'s token, over `threads` keep-alive
// connections; "<error>" for failures.
std::vector<std::string> assignments(std::uint16_t port, const std::vector<std::string>& tokens,
                                     const std::string& target = "/api/notes/1", int threads = 4) {
  std::vector<std::string> out(tokens.size());
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      HttpConnection c(port);
      for (std::size_t i = static_cast<std::size_t>(t); i < tokens.size(); i += static_cast<std::size_t>(threads)) {
        const auto r = c.get(target, {{"Authorization", bearer(tokens[i])}});
        out[i] = r.status == 200 ? served_by(r) : "<error " + std::to_string(r.status) + ">";
        if (!r.keep_alive) c = HttpConnection(port);
      }
    });
  }
  for (auto& w : workers) w.join();
  return out;
}

std::vector<std::string> user_ids(int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) ids.push_back("user-" + std::to_string(i));
  return ids;
}

std::vector<std::string> tokens_for(const std::vector<std::string>& users) {
  std::vector<std::string> tokens;
  for (const auto& u : users) tokens.push_back(hs256_user_token(u));
  return tokens;
}

double share_of(const std::vector<std::string>& got, const std::string& backend) {
  return 100.0 * static_cast<double>(std::count(got.begin(), got.end(), backend)) / static_cast<double>(got.size());
}

TEST_F(Routing, MostSpecificRouteWinsRegardlessOfOrder) {
  // Least specific first: file order must not matter. Encoded slashes are kept (not the default,
  // which refuses them) to show they stay inside their segment.
  auto gw = Gateway::launch(yaml_prologue() + "paths: { escaped_slashes: keep }\n" + backends_yaml() +
                            "routes:\n"
                            "  - { id: default, match: { prefix: / }, backend: legacy }\n"
                            "  - { id: tree, match: { path: /api/notes/* }, backend: admin }\n"
                            "  - { id: item, match: { path: '/api/notes/{id}', methods: [GET] }, backend: fresh }\n"
                            "  - { id: special, match: { path: /api/notes/special }, backend: admin }\n"
                            "  - { id: special-beta, match: { path: /api/notes/special, host: beta.example }, backend: legacy }\n"
                            "  - { id: admin-host, match: { prefix: /, host: admin.example }, backend: admin }\n"
                            "  - { id: account-any, match: { path: /api/account }, backend: admin }\n"
                            "  - { id: account-get, match: { path: /api/account, methods: [GET] }, backend: fresh }\n");
  struct Case {
    std::string method, target, host, backend;
  };
  const std::vector<Case> cases{
      {"GET", "/api/notes/5", "", "fresh"},                 // {param} beats wildcard
      {"POST", "/api/notes/5", "", "admin"},                // method fallback to the wildcard
      {"GET", "/api/notes/5/comments", "", "admin"},        // only the wildcard covers two segments
      {"GET", "/api/notes", "", "admin"},                   // wildcard: zero segments too
      {"GET", "/api/notes/special", "", "admin"},           // literal beats {param}
      {"GET", "/api/notes/special", "beta.example", "legacy"},  // same path: host wins
      {"GET", "/api/notes/special", "BETA.example:8080", "legacy"},  // case-insensitive, port ignored
      {"GET", "/api/notesX", "", "legacy"},                 // segment-aware
      {"GET", "/other", "admin.example", "admin"},
      {"GET", "/api/notes/5", "admin.example", "fresh"},    // path specificity before host
      {"GET", "/api/account", "", "fresh"},                 // fewer methods beat any method
      {"POST", "/api/account", "", "admin"},
      {"HEAD", "/api/account", "", "admin"},
      {"GET", "/api/notes/a%2Fb", "", "fresh"},             // %2F is not a separator (escaped_slashes: keep)
      {"GET", "/api/x/../notes/7", "", "fresh"},            // routed after normalization
  };
  HttpConnection c(gw->port());
  for (const auto& k : cases) {
    Headers headers;
    if (!k.host.empty()) headers.emplace_back("Host", k.host);
    const auto r = c.request({.method = k.method, .target = k.target, .headers = headers});
    EXPECT_EQ(r.status, 200) << k.method << " " << k.target << " " << r.error.message();
    EXPECT_EQ(served_by(r), k.backend) << k.method << " " << k.target << " host '" << k.host << "'";
  }
}

TEST_F(Routing, SplitSendsTheConfiguredShareOfUsersAndIsSticky) {
  auto gw = start_split("{ fresh: 30 }");
  const auto users = user_ids(kUsers);
  const auto tokens = tokens_for(users);
  const auto first = assignments(gw->port(), tokens);
  const double share = share_of(first, "fresh");
  EXPECT_NEAR(share, 30.0, 3.0);
  EXPECT_NEAR(share_of(first, "legacy"), 70.0, 3.0);
  // Each user is where the documented bucket formula says (first target owns buckets [0, 3000)).
  int misplaced = 0;
  for (std::size_t i = 0; i < users.size(); ++i) {
    const auto want = expected_bucket("notes", users[i]) < 3000 ? "fresh" : "legacy";
    if (first[i] != want && ++misplaced <= 5) ADD_FAILURE() << users[i] << " on " << first[i] << ", expected " << want;
  }
  EXPECT_EQ(misplaced, 0);
  // Stickiness: every user asked 5 more times lands on the same backend each time.
  const std::vector<std::string> some_tokens(tokens.begin(), tokens.begin() + 400);
  for (int round = 0; round < 5; ++round) {
    const auto again = assignments(gw->port(), some_tokens, "/api/notes/" + std::to_string(round), 2);
    for (std::size_t i = 0; i < again.size(); ++i) {
      ASSERT_EQ(again[i], first[i]) << users[i] << " moved in round " << round;
    }
  }
  // Non-split routes ignore the split.
  EXPECT_EQ(served_by(http_get(gw->port(), "/elsewhere", {{"Authorization", bearer(tokens[0])}})), "legacy");
}

TEST_F(Routing, RaisingTheSplitAcrossARestartOnlyMovesUsersFromOldToNew) {
  const auto users = user_ids(kUsers);
  const auto tokens = tokens_for(users);
  auto gw = start_split("{ fresh: 30 }");
  const auto at30 = assignments(gw->port(), tokens);
  EXPECT_EQ(gw->stop(), 0);
  gw = start_split("{ fresh: 60 }");
  const auto at60 = assignments(gw->port(), tokens);
  EXPECT_NEAR(share_of(at60, "fresh"), 60.0, 3.0);
  int moved_back = 0;
  int moved_forward = 0;
  for (std::size_t i = 0; i < users.size(); ++i) {
    ASSERT_THAT(at60[i], ::testing::AnyOf("fresh", "legacy")) << users[i];
    if (at30[i] == "fresh" && at60[i] != "fresh") ++moved_back;
    if (at30[i] == "legacy" && at60[i] == "fresh") ++moved_forward;
  }
  EXPECT_EQ(moved_back, 0) << "users moved from the new backend back to legacy";
  EXPECT_NEAR(100.0 * moved_forward / kUsers, 30.0, 3.0);
  // And back down to 30: exactly the original assignment again.
  EXPECT_EQ(gw->stop(), 0);
  gw = start_split("{ fresh: 30 }");
  EXPECT_EQ(assignments(gw->port(), tokens), at30);
}

TEST_F(Routing, EveryReplicaPutsAUserOnTheSameBackend) {
  auto one = start_split("{ fresh: 45.5 }");
  auto two = start_split("{ fresh: 45.5 }");
  const auto tokens = tokens_for(user_ids(1000));
  const auto a = assignments(one->port(), tokens);
  const auto b = assignments(two->port(), tokens);
  EXPECT_EQ(a, b);
  EXPECT_NEAR(share_of(a, "fresh"), 45.5, 4.0);
}

TEST_F(Routing, StickyNoneMixesBackendsForOneUser) {
  auto gw = start_split("{ fresh: 50 }", "none");
  const std::vector<std::string> tokens(400, hs256_user_token("single-user"));
  const auto got = assignments(gw->port(), tokens, "/api/notes/1", 2);
  const double share = share_of(got, "fresh");
  EXPECT_GT(share, 35.0);
  EXPECT_LT(share, 65.0);
  EXPECT_NEAR(share + share_of(got, "legacy"), 100.0, 0.01);
}

TEST_F(Routing, ZeroAndHundredPercentSplitsAreAbsolute) {
  const auto tokens = tokens_for(user_ids(300));
  auto gw = start_split("{ fresh: 0 }");
  EXPECT_EQ(share_of(assignments(gw->port(), tokens), "legacy"), 100.0);
  EXPECT_EQ(gw->stop(), 0);
  gw = start_split("{ fresh: 100 }");
  EXPECT_EQ(share_of(assignments(gw->port(), tokens), "fresh"), 100.0);
}

// `name=value` of the gateway's sticky cookie in a Set-Cookie value, empty when it isn't one.
std::string sticky_cookie_pair(const std::optional<std::string>& set_cookie) {
  if (!set_cookie || !set_cookie->starts_with("cutover_uid=")) return {};
  return set_cookie->substr(0, set_cookie->find(';'));
}

TEST_F(Routing, AnonymousUsersGetAStickyCookieOnSplitRoutes) {
  auto gw = start_split("{ fresh: 30 }");
  const auto first = http_get(gw->port(), "/api/notes/1");
  ASSERT_EQ(first.status, 200) << first.error.message();
  const auto set_cookie = first.header("Set-Cookie");
  ASSERT_TRUE(set_cookie) << "no Set-Cookie on a split route for an anonymous user";
  EXPECT_THAT(*set_cookie, ::testing::StartsWith("cutover_uid="));
  EXPECT_THAT(*set_cookie, HasSubstr("HttpOnly"));
  EXPECT_THAT(*set_cookie, HasSubstr("SameSite=Lax"));
  EXPECT_THAT(*set_cookie, HasSubstr("Path=/"));
  const auto cookie = sticky_cookie_pair(set_cookie);
  ASSERT_GT(cookie.size(), std::string("cutover_uid=").size() + 15) << "the id should be long and random";

  // Sent back, it keeps the user on the same backend, and is not set again.
  HttpConnection c(gw->port());
  for (int i = 0; i < 10; ++i) {
    const auto r = c.get("/api/notes/" + std::to_string(i), {{"Cookie", "theme=dark; " + cookie}});
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(served_by(r), served_by(first)) << "anonymous user moved on request " << i;
    EXPECT_FALSE(r.header("Set-Cookie")) << "cookie set again: " << *r.header("Set-Cookie");
  }

  // Across many anonymous users the split holds, each one sticky.
  int fresh = 0;
  constexpr int kAnonymous = 300;
  for (int i = 0; i < kAnonymous; ++i) {
    const auto r = c.get("/api/notes/x");
    const auto pair = sticky_cookie_pair(r.header("Set-Cookie"));
    ASSERT_FALSE(pair.empty()) << i;
    const auto again = c.get("/api/notes/y", {{"Cookie", pair}});
    ASSERT_EQ(served_by(again), served_by(r)) << "anonymous user " << i << " moved";
    fresh += served_by(r) == "fresh";
  }
  EXPECT_NEAR(100.0 * fresh / kAnonymous, 30.0, 10.0);  // random ids: ~4 standard deviations
}

TEST_F(Routing, NoStickyCookieOnRoutesThatDoNotSplit) {
  auto gw = start_split("{ fresh: 30 }");
  HttpConnection c(gw->port());
  for (const auto* target : {"/", "/plain/page", "/api/other"}) {
    const auto r = c.get(target);
    ASSERT_EQ(r.status, 200) << target;
    EXPECT_EQ(served_by(r), "legacy");
    EXPECT_FALSE(r.header("Set-Cookie")) << target << " got " << r.header("Set-Cookie").value_or("");
  }
  // A local reply (404) sets none either.
  auto only_split = Gateway::launch(yaml_prologue() + backends_yaml() +
                                    "routes:\n"
                                    "  - { id: s, match: { prefix: /s }, split: { fresh: 50 }, rollback_to: legacy }\n");
  const auto r = http_get(only_split->port(), "/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_FALSE(r.header("Set-Cookie"));
}

TEST_F(Routing, RoutesInOneCohortMoveAUserTogether) {
  auto gw = std::make_unique<Gateway>();
  gw->write_config(yaml_prologue() + identity_yaml(*gw) + backends_yaml() +
                   "routes:\n"
                   "  - { id: reads, match: { prefix: /api/notes, methods: [GET] }, split: { fresh: 40 },"
                   " rollback_to: legacy, cohort: notes }\n"
                   "  - { id: writes, match: { prefix: /api/notes, methods: [POST] }, split: { fresh: 40 },"
                   " rollback_to: legacy, cohort: notes }\n");
  gw->start();
  const auto users = user_ids(500);
  HttpConnection c(gw->port());
  int fresh = 0;
  for (const auto& user : users) {
    const Headers auth{{"Authorization", bearer(hs256_user_token(user))}};
    const auto read = c.request({.method = "GET", .target = "/api/notes/1", .headers = auth});
    const auto write = c.request({.method = "POST", .target = "/api/notes", .headers = auth, .body = "{}"});
    ASSERT_EQ(read.status, 200);
    ASSERT_EQ(write.status, 200);
    ASSERT_EQ(served_by(read), served_by(write)) << user << " split across backends by method";
    fresh += served_by(read) == "fresh";
  }
  EXPECT_NEAR(100.0 * fresh / 500, 40.0, 7.0);
}

}  // namespace
}  // namespace cutover::test
