// Every deadline of a client connection, run on the manual clock: each fires when it is due and
// not a moment before, with its reply and its counter. No test here sleeps.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "session/session_tier.hpp"
#include "session/shapes.hpp"

namespace cutover::session_test {
namespace {

using namespace std::chrono_literals;
using metrics::LocalReason;

TierOptions with_limits(const std::string& limits) {
  TierOptions options;
  options.extra_yaml = "limits: { " + limits + " }\n";
  return options;
}

// A connection that never sends a byte is closed at header_timeout, without a reply.
TEST(ClientDeadlines, AConnectionThatSendsNothingIsClosedAtTheHeaderTimeout) {
  SessionTier tier(with_limits("header_timeout: 3s"));
  Peer client = tier.connect_client();
  tier.advance(2990ms);
  EXPECT_FALSE(client.hung_up());
  tier.advance(30ms);
  EXPECT_TRUE(client.hung_up());
  EXPECT_EQ(client.received(), "");
  EXPECT_EQ(tier.local_replies(LocalReason::client_timeout), 1u);
  tier.expect_nothing_leaked();
}

// The whole header must come within header_timeout of its first bytes, however it trickles.
TEST(ClientDeadlines, AHeaderThatTricklesGets408AtTheHeaderTimeout) {
  SessionTier tier(with_limits("header_timeout: 3s"));
  Peer client = tier.connect_client();
  const std::string request = get_request();
  for (std::size_t i = 0; i < 10; ++i) {
    ASSERT_TRUE(client.send(request.substr(i, 1)));
    tier.advance(290ms);
  }
  EXPECT_EQ(status_of(client.received()), 0u);
  tier.advance(120ms);
  EXPECT_EQ(status_of(client.received()), 408u);
  EXPECT_NE(client.received().find("\"client_timeout\""), std::string::npos);
  EXPECT_EQ(tier.local_replies(LocalReason::client_timeout), 1u);
  EXPECT_FALSE(tier.backend_connection_pending());
  client.close();
  tier.expect_nothing_leaked();
}

// Between requests, idle_timeout from the last answer; through the read buffer's return after a
// second, which must lose nothing.
TEST(ClientDeadlines, AKeepAliveConnectionIsClosedAtTheIdleTimeoutAndServedUntilThen) {
  SessionTier tier(with_limits("idle_timeout: 20s"));
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(get_request()));
  Peer backend = tier.accept_backend();
  ASSERT_TRUE(backend.send(ok_response("one")));
  tier.settle();
  ASSERT_EQ(responses_in(client.received()), 1u);
  tier.advance(19s);  // the read buffer went back after 1 s
  ASSERT_TRUE(client.send(get_request()));
  tier.settle();
  EXPECT_EQ(requests_in(backend.received()), 2u) << tier.backend_connection_pending();
  ASSERT_TRUE(backend.send(ok_response("two")));
  tier.settle();
  EXPECT_EQ(responses_in(client.received()), 2u) << "served after a long idle spell";
  tier.advance(19990ms);
  EXPECT_FALSE(client.hung_up()) << "the idle timeout runs from the last answer";
  tier.advance(30ms);
  EXPECT_TRUE(client.hung_up());
  EXPECT_EQ(tier.local_replies(LocalReason::client_timeout), 1u);
  EXPECT_EQ(tier.counters().requests.load(), 2u);
  tier.expect_nothing_leaked();
}

// A body that keeps coming, but slower than min_body_rate: 408 body_too_slow at the end of the
// window, never forwarded.
TEST(ClientDeadlines, ABodySlowerThanTheMinimumRateGets408) {
  SessionTier tier(with_limits("min_body_rate: 100, body_timeout: 30s"));
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(post_request(std::string(2000, 'x')).substr(0, 200)));
  for (int second = 0; second < 9; ++second) {
    ASSERT_TRUE(client.send("x"));
    tier.advance(1s);
  }
  EXPECT_EQ(status_of(client.received()), 0u) << "the window has not ended";
  ASSERT_TRUE(client.send("x"));
  tier.advance(1100ms);
  EXPECT_EQ(status_of(client.received()), 408u) << client.received();
  EXPECT_NE(client.received().find("\"body_too_slow\""), std::string::npos);
  EXPECT_EQ(tier.local_replies(LocalReason::body_too_slow), 1u);
  EXPECT_FALSE(tier.backend_connection_pending()) << "a buffered body that never came whole is never sent";
  client.close();
  tier.expect_nothing_leaked();
}

// A client that stops reading a large answer: after body_timeout of no progress, both
// connections are closed (the backend's, mid-answer, cannot be reused).
TEST(ClientDeadlines, AClientThatStopsReadingIsCutOffAtTheBodyTimeout) {
  SessionTier tier(with_limits("body_timeout: 10s"));
  Peer client = tier.connect_client();
  client.shrink_receive_buffer();
  ASSERT_TRUE(client.send(get_request()));
  Peer backend = tier.accept_backend();
  const std::size_t length = std::size_t{1} << 30;
  ASSERT_TRUE(backend.send("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n"));
  // As much as the kernel takes in both directions: the gateway then waits on the client.
  const std::string chunk(1 << 20, 'z');
  std::size_t sent = 0;
  for (int refused = 0; refused < 3 && sent < length;) {
    const auto n = ::send(backend.fd(), chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) sent += static_cast<std::size_t>(n);
    refused = n > 0 ? 0 : refused + 1;
    tier.settle();
  }
  ASSERT_LT(sent, length) << "the test needs the gateway to be stuck on the client";
  tier.advance(9900ms);
  EXPECT_FALSE(backend.hung_up());
  EXPECT_EQ(tier.worker().active_sessions(), 1u);
  tier.advance(200ms);
  EXPECT_TRUE(backend.hung_up());
  EXPECT_EQ(tier.worker().active_sessions(), 0u) << "the client's connection is closed";
  EXPECT_EQ(tier.backend_connections_open(), 0u);
  tier.expect_nothing_leaked();
}

// After an error reply that closes the connection, the gateway reads (and discards) what the
// client still sends for up to a second, so its reset cannot destroy the reply in flight.
TEST(ClientDeadlines, AClosingReplyLingersForASecondThenCloses) {
  SessionTier tier;
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send("GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 400u);
  ASSERT_TRUE(client.send("more bytes the client had in flight"));
  tier.advance(900ms);
  EXPECT_FALSE(client.was_reset()) << "still lingering: no reset over the reply";
  tier.advance(200ms);
  EXPECT_TRUE(client.hung_up());
  EXPECT_EQ(tier.local_replies(LocalReason::bad_host), 1u);
  client.close();
  tier.expect_nothing_leaked();
}

}  // namespace
}  // namespace cutover::session_test
