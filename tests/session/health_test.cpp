// Outlier ejection and fallback on the data path: the worker judges an endpoint by its answers,
// ejects it after a streak, sends the route's users to its fallback meanwhile, and takes it back
// when the ejection ends, all on the manual clock.
#include <gtest/gtest.h>

#include "session/session_tier.hpp"

namespace cutover::session_test {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kServerError = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n";
const std::string kFallbackRoute = "{ id: api, match: { prefix: / }, backend: app, fallback: legacy }";

TierOptions with_fallback(std::string route = kFallbackRoute) {
  TierOptions options;
  options.route = std::move(route);
  // Pooled connections outlive the ejections the tests wait out, so each backend keeps one.
  options.backend_settings = "idle_timeout: 1h";
  options.legacy_settings = "idle_timeout: 1h";
  return options;
}

// One client on a keep-alive connection, and the backend connections it reaches.
class Traffic {
 public:
  explicit Traffic(SessionTier& tier) : tier_(tier), client_(tier.connect_client()) {}

  // Sends a request that must reach app, which answers `response`; returns the client's status.
  unsigned to_app(std::string_view response) { return exchange(app_, false, response); }
  unsigned to_legacy(std::string_view response) { return exchange(legacy_, true, response); }

  std::size_t app_requests() { return app_.valid() ? requests_in(app_.received()) : 0; }
  std::size_t legacy_requests() { return legacy_.valid() ? requests_in(legacy_.received()) : 0; }
  std::string last_answer() const { return last_answer_; }

 private:
  unsigned exchange(Peer& backend, bool legacy, std::string_view response) {
    const std::size_t before = backend.valid() ? requests_in(backend.received()) : 0;
    EXPECT_TRUE(client_.send(get_request("/r")));
    tier_.settle();
    if (!backend.valid()) backend = legacy ? tier_.accept_legacy() : tier_.accept_backend();
    tier_.settle();
    if (requests_in(backend.received()) != before + 1) {
      ADD_FAILURE() << "the request did not reach " << (legacy ? "legacy" : "app");
      return 0;
    }
    EXPECT_TRUE(backend.send(response));
    tier_.settle();
    last_answer_ = client_.received().substr(consumed_);
    consumed_ = client_.received().size();
    return status_of(last_answer_);
  }

  SessionTier& tier_;
  Peer client_;
  Peer app_;
  Peer legacy_;
  std::size_t consumed_ = 0;
  std::string last_answer_;
};

TEST(Outlier, FiveServerErrorsInARowEjectTheEndpointAndTheRouteFallsBack) {
  SessionTier tier(with_fallback());
  Traffic traffic(tier);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(traffic.to_app(kServerError), 500u) << i;
  EXPECT_EQ(traffic.to_legacy(ok_response("from legacy")), 200u);
  EXPECT_NE(traffic.last_answer().find("from legacy"), std::string::npos);
  EXPECT_EQ(traffic.app_requests(), 5u);
  EXPECT_FALSE(tier.backend_connection_pending());

  const auto lines = tier.access_log();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back().value("backend", ""), "legacy");
  EXPECT_EQ(lines.back().value("fallback_from", ""), "app");
  EXPECT_FALSE(lines.front().contains("fallback_from")) << "only requests the fallback served say so";
}

TEST(Outlier, AnAnswerBelow500EndsTheStreak) {
  SessionTier tier(with_fallback());
  Traffic traffic(tier);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(traffic.to_app(kServerError), 500u);
  ASSERT_EQ(traffic.to_app(ok_response()), 200u);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(traffic.to_app(kServerError), 500u);
  EXPECT_EQ(traffic.to_app(ok_response()), 200u) << "9 of 10 failed, but never 5 in a row";
}

TEST(Outlier, AnEjectedEndpointIsBackAfterBaseEjection) {
  SessionTier tier(with_fallback());
  Traffic traffic(tier);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(traffic.to_app(kServerError), 500u);
  tier.advance(29s);
  ASSERT_EQ(traffic.to_legacy(ok_response()), 200u) << "still ejected 1 s before the 30 s end";
  tier.advance(1s + 30ms);
  EXPECT_EQ(traffic.to_app(ok_response("app again")), 200u);
  EXPECT_NE(traffic.last_answer().find("app again"), std::string::npos);
}

// The n-th ejection in a row lasts base_ejection × n.
TEST(Outlier, AnEndpointEjectedAgainStaysOutTwiceAsLong) {
  SessionTier tier(with_fallback());
  Traffic traffic(tier);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(traffic.to_app(kServerError), 500u);
  tier.advance(30s + 30ms);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(traffic.to_app(kServerError), 500u);
  tier.advance(30s + 30ms);
  ASSERT_EQ(traffic.to_legacy(ok_response()), 200u) << "the second ejection lasts 60 s";
  tier.advance(30s);
  EXPECT_EQ(traffic.to_app(ok_response()), 200u);
}

TEST(Outlier, TheTriggersAndTheEjectionAreTheBackendsToSet) {
  TierOptions options = with_fallback();
  options.backend_settings += ", outlier: { consecutive_5xx: 2, base_ejection: 5s }";
  SessionTier tier(options);
  Traffic traffic(tier);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(traffic.to_app(kServerError), 500u);
  ASSERT_EQ(traffic.to_legacy(ok_response()), 200u);
  tier.advance(5s + 30ms);
  EXPECT_EQ(traffic.to_app(ok_response()), 200u);
}

TEST(Outlier, ZeroTurnsATriggerOff) {
  TierOptions options = with_fallback();
  options.backend_settings += ", outlier: { consecutive_5xx: 0 }";
  SessionTier tier(options);
  Traffic traffic(tier);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(traffic.to_app(kServerError), 500u);
  EXPECT_EQ(traffic.legacy_requests(), 0u);
}

// A request no endpoint of its backend took a connection for was sent nowhere: without a body it
// goes to the fallback at once. Each refused connect counts against the endpoint, and after five
// it is ejected: no more connects are tried.
TEST(Outlier, RefusedConnectsGoToTheFallbackAndEjectTheEndpoint) {
  SessionTier tier(with_fallback());
  tier.stop_backend_listener();
  Peer client = tier.connect_client();
  Peer legacy;
  std::size_t consumed = 0;
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(client.send(get_request("/down")));
    tier.settle();
    if (!legacy.valid()) legacy = tier.accept_legacy();
    tier.settle();
    ASSERT_EQ(requests_in(legacy.received()), static_cast<std::size_t>(i + 1));
    ASSERT_TRUE(legacy.send(ok_response()));
    tier.settle();
    EXPECT_EQ(status_of(client.received().substr(consumed)), 200u) << i;
    consumed = client.received().size();
  }
  EXPECT_EQ(tier.counters().upstream_connect_failures.load(), 5u) << "ejected after five";
  const auto lines = tier.access_log();
  ASSERT_EQ(lines.size(), 8u);
  for (const auto& line : lines) EXPECT_EQ(line.value("fallback_from", ""), "app");
}

// A body may be partly read already: such a request is not sent twice, it gets the 502.
TEST(Outlier, ARequestWithABodyIsNotSentToTheFallbackAfterARefusedConnect) {
  SessionTier tier(with_fallback());
  tier.stop_backend_listener();
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(post_request("payload")));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 502u);
  EXPECT_FALSE(tier.legacy_connection_pending());
}

// Panic: with no usable endpoint and no usable fallback, the picked backend keeps its requests.
TEST(Fallback, WithoutAFallbackAnEjectedBackendStillServes) {
  TierOptions options = with_fallback("{ id: api, match: { prefix: / }, backend: app }");
  SessionTier tier(options);
  Traffic traffic(tier);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(traffic.to_app(kServerError), 500u);
  EXPECT_EQ(traffic.to_app(ok_response()), 200u) << "a failing endpoint may answer; none never does";
}

TEST(Fallback, AFallbackWithNoUsableEndpointTakesNothingOver) {
  // Both backends in one route each: legacy is ejected through its own route first.
  TierOptions options = with_fallback();
  options.route = "{ id: api, match: { prefix: / }, backend: app, fallback: legacy }\n"
                  "  - { id: old, match: { prefix: /old }, backend: legacy }";
  SessionTier tier(options);
  Peer client = tier.connect_client();
  Peer legacy;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.send(get_request("/old")));
    tier.settle();
    if (!legacy.valid()) legacy = tier.accept_legacy();
    ASSERT_TRUE(legacy.send(kServerError));
    tier.settle();
  }
  Traffic traffic(tier);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(traffic.to_app(kServerError), 500u);
  EXPECT_EQ(traffic.to_app(ok_response()), 200u) << "both ejected: app keeps the route's requests";
}

TEST(Fallback, AReloadKeepsAnEjection) {
  SessionTier tier(with_fallback());
  Traffic traffic(tier);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(traffic.to_app(kServerError), 500u);
  tier.reload(with_fallback());
  EXPECT_EQ(traffic.to_legacy(ok_response()), 200u) << "a reload does not re-admit an ejected endpoint";
  tier.advance(30s + 30ms);
  EXPECT_EQ(traffic.to_app(ok_response()), 200u);
}

// Users keep their bucket: a split route's users return to the backend they were bucketed to.
TEST(Fallback, ASplitRoutesUsersReturnToTheirBackendWhenItRecovers) {
  SessionTier tier(with_fallback(
      "{ id: api, match: { prefix: / }, split: { app: 100 }, rollback_to: legacy, fallback: legacy, sticky: none }"));
  Traffic traffic(tier);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(traffic.to_app(kServerError), 500u);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(traffic.to_legacy(ok_response()), 200u);
  tier.advance(30s + 30ms);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(traffic.to_app(ok_response()), 200u);
}

}  // namespace
}  // namespace cutover::session_test
