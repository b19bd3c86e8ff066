// Retries (docs/design.md "Retries"): only a request that can go twice is sent twice, it goes to
// another endpoint when the backend has one, and the route's retry budget bounds how many do.
#include <gtest/gtest.h>

#include "session/session_tier.hpp"

namespace cutover::session_test {
namespace {

using namespace std::chrono_literals;

// app's endpoints are the tier's two listeners: accept_backend() is the first, accept_legacy()
// the second.
TierOptions two_endpoints(std::string route_extra = "") {
  TierOptions options;
  options.app_endpoints = "{app}, {legacy}";
  options.backend_settings = "idle_timeout: 1h";
  options.route = "{ id: api, match: { prefix: / }, backend: app" + route_extra + " }";
  return options;
}

class TwoEndpoints {
 public:
  explicit TwoEndpoints(SessionTier& tier) : tier_(tier), client_(tier.connect_client()) {
    // Round robin: the first request goes to the first endpoint, the second to the second. Both
    // connections are pooled afterwards.
    first_ = answer_fresh(true);
    second_ = answer_fresh(false);
  }

  Peer& first() { return first_; }
  Peer& second() { return second_; }
  Peer& client() { return client_; }
  std::string answer() { return client_.received().substr(consumed_); }
  void consume() { consumed_ = client_.received().size(); }

 private:
  Peer answer_fresh(bool first) {
    EXPECT_TRUE(client_.send(get_request("/warm")));
    Peer backend = first ? tier_.accept_backend() : tier_.accept_legacy();
    EXPECT_TRUE(backend.send(ok_response()));
    tier_.settle();
    EXPECT_EQ(status_of(answer()), 200u);
    consume();
    return backend;
  }

  SessionTier& tier_;
  Peer client_;
  Peer first_;
  Peer second_;
  std::size_t consumed_ = 0;
};

TEST(Retries, AGetWhoseReusedConnectionFailsGoesToTheOtherEndpoint) {
  SessionTier tier(two_endpoints());
  TwoEndpoints peers(tier);
  // Third request: the round robin is back at the first endpoint, on its pooled connection.
  ASSERT_TRUE(peers.client().send(get_request("/third")));
  tier.settle();
  ASSERT_EQ(requests_in(peers.first().received()), 2u);
  peers.first().close();  // closed under the request, before a byte of answer
  tier.settle();
  // The retry takes a new connection to the second endpoint (not its pooled one: fresh only).
  Peer retried = tier.accept_legacy();
  EXPECT_EQ(requests_in(retried.received()), 1u);
  ASSERT_TRUE(retried.send(ok_response("retried")));
  tier.settle();
  EXPECT_EQ(status_of(peers.answer()), 200u);
  EXPECT_EQ(tier.counters().upstream_retries.load(), 1u);
  EXPECT_FALSE(tier.backend_connection_pending()) << "not the endpoint that just failed";
}

TEST(Retries, APostIsNeverSentTwiceEvenWithoutABody) {
  SessionTier tier(two_endpoints());
  TwoEndpoints peers(tier);
  ASSERT_TRUE(peers.client().send("POST /order HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  tier.settle();
  ASSERT_EQ(requests_in(peers.first().received()), 2u) << "the pooled connection, checked alive first";
  peers.first().close();
  tier.settle();
  EXPECT_EQ(status_of(peers.answer()), 502u);
  EXPECT_EQ(tier.counters().upstream_retries.load(), 0u);
  EXPECT_FALSE(tier.backend_connection_pending());
  EXPECT_FALSE(tier.legacy_connection_pending());
}

TEST(Retries, APostDoesNotTakeAPooledConnectionTheBackendClosed) {
  SessionTier tier(two_endpoints());
  TwoEndpoints peers(tier);
  peers.first().close();  // while it sits in the pool
  ASSERT_TRUE(peers.client().send("POST /order HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  tier.settle();
  // The round robin's first endpoint: its pooled connection is seen closed, a new one is opened.
  Peer fresh = tier.accept_backend();
  EXPECT_EQ(requests_in(fresh.received()), 1u);
  ASSERT_TRUE(fresh.send(ok_response()));
  tier.settle();
  EXPECT_EQ(status_of(peers.answer()), 200u);
}

TEST(Retries, TheRoutesBudgetBoundsThem) {
  // No share of the traffic, one retry a window: the first retry goes, the second does not.
  SessionTier tier(two_endpoints(", retry_budget: { percent: 0, min_retries: 1, window: 10s }"));
  TwoEndpoints peers(tier);
  ASSERT_TRUE(peers.client().send(get_request("/a")));
  tier.settle();
  peers.first().close();
  tier.settle();
  Peer retried = tier.accept_legacy();
  ASSERT_TRUE(retried.send(ok_response()));
  tier.settle();
  ASSERT_EQ(status_of(peers.answer()), 200u);
  peers.consume();
  // Now a pooled connection of the second endpoint fails the same way: no retry left.
  ASSERT_TRUE(peers.client().send(get_request("/b")));
  tier.settle();
  Peer& taken = requests_in(retried.received()) == 2 ? retried : peers.second();
  ASSERT_EQ(requests_in(taken.received()), 2u);
  taken.close();
  tier.settle();
  EXPECT_EQ(status_of(peers.answer()), 502u);
  EXPECT_EQ(tier.counters().upstream_retries.load(), 1u);
  EXPECT_EQ(tier.counters().upstream_retries_refused.load(), 1u);
}

TEST(Retries, MovingToTheNextEndpointAfterARefusedConnectSpendsTheBudget) {
  TierOptions options = two_endpoints(", retry_budget: { percent: 0, min_retries: 0 }");
  options.backend_settings += ", outlier: { consecutive_failures: 0 }";
  SessionTier tier(options);
  tier.stop_backend_listener();  // the first endpoint refuses
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(get_request("/x")));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 502u) << "no budget: the second endpoint is not tried";
  EXPECT_FALSE(tier.legacy_connection_pending());
  EXPECT_EQ(tier.counters().upstream_retries_refused.load(), 1u);
}

TEST(Retries, WithBudgetARefusedConnectMovesToTheNextEndpoint) {
  SessionTier tier(two_endpoints());
  tier.stop_backend_listener();
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(get_request("/x")));
  Peer second = tier.accept_legacy();
  ASSERT_TRUE(second.send(ok_response()));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 200u);
  EXPECT_EQ(tier.counters().upstream_retries.load(), 1u);
}

}  // namespace
}  // namespace cutover::session_test
