// limits.min_body_rate on the manual clock: a body slower than the rate is refused at the end of
// its first 10 s window, buffered or streamed, and one that keeps up is not; the time a request
// waits for a backend connection is not the client's. (Moved here from the integration tests,
// where each took over ten seconds of real time.)
#include <gtest/gtest.h>

#include "session/session_tier.hpp"
#include "session/shapes.hpp"

namespace cutover::session_test {
namespace {

using namespace std::chrono_literals;
using metrics::LocalReason;

class SlowBody : public testing::TestWithParam<Shape> {};

// 1 KiB/s against a minimum of 8 KiB/s, never silent for long: body_timeout alone would let it
// go on for minutes.
TEST_P(SlowBody, IsAnswered408AtTheEndOfTheFirstWindow) {
  SessionTier tier(options_for(GetParam(), "min_body_rate: 8KiB/s, body_timeout: 30s"));
  Peer client = tier.connect_client();
  const std::size_t length = 15 * 1024;  // under the default request_buffer: buffered unless streamed
  ASSERT_TRUE(client.send("POST /upload HTTP/1.1\r\nHost: example.test\r\nContent-Length: " + std::to_string(length) +
                          "\r\n\r\n"));
  tier.settle();
  Peer backend;
  for (int piece = 0; piece < 39; ++piece) {  // 9.75 s
    ASSERT_TRUE(client.send(std::string(256, 'a')));
    tier.advance(250ms);
    // A streamed body takes its connection once its first bytes are in.
    if (piece == 0 && streams(GetParam())) backend = tier.accept_backend();
  }
  EXPECT_EQ(status_of(client.received()), 0u) << "judged only when the window ends";
  ASSERT_TRUE(client.send(std::string(256, 'a')));
  tier.advance(300ms);
  EXPECT_EQ(status_of(client.received()), 408u) << client.received();
  EXPECT_NE(client.received().find("\"body_too_slow\""), std::string::npos);
  EXPECT_EQ(tier.local_replies(LocalReason::body_too_slow), 1u);
  if (backend.valid()) {
    EXPECT_TRUE(backend.hung_up()) << "the half-sent request's connection is closed";
  } else {
    EXPECT_FALSE(tier.backend_connection_pending()) << "a buffered body that never came whole is never sent";
  }
  client.close();
  tier.expect_nothing_leaked();
}

// 16 KiB/s for 12 s against the same minimum: served.
TEST_P(SlowBody, ThatKeepsUpWithTheMinimumIsServed) {
  const bool buffered = !streams(GetParam());
  SessionTier tier(options_for(GetParam(), buffered ? "min_body_rate: 8KiB/s, request_buffer: 256KiB" : "min_body_rate: 8KiB/s"));
  Peer client = tier.connect_client();
  const std::size_t length = 12 * 16 * 1024;
  ASSERT_TRUE(client.send("POST /upload HTTP/1.1\r\nHost: example.test\r\nContent-Length: " + std::to_string(length) +
                          "\r\n\r\n"));
  tier.settle();
  Peer backend;
  for (int second = 0; second < 12; ++second) {
    ASSERT_TRUE(client.send(std::string(16 * 1024, 'a')));
    tier.advance(1s);
    if (second == 0 && !buffered) backend = tier.accept_backend();
  }
  if (!backend.valid()) backend = tier.accept_backend();
  tier.settle();
  EXPECT_EQ(backend.received().size() - backend.received().find("\r\n\r\n") - 4, length) << "the whole body went up";
  ASSERT_TRUE(backend.send(ok_response("stored")));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 200u) << client.received();
  EXPECT_EQ(tier.local_replies(LocalReason::body_too_slow), 0u);
  client.close();
  tier.expect_nothing_leaked();
}

std::string shape_name(const testing::TestParamInfo<Shape>& shape) { return name_of(shape.param); }

INSTANTIATE_TEST_SUITE_P(BufferedOrStreamed, SlowBody, testing::Values(Shape::buffered_post, Shape::streamed_post),
                         shape_name);

// The only connection is busy for longer than a pace window while a streamed body, all sent at
// once, waits in the queue for it: the wait is the gateway's, not the client's.
TEST(BodyPace, TimeWaitingForABackendConnectionIsNotCountedAgainstTheBody) {
  TierOptions options = options_for(Shape::streamed_post, "min_body_rate: 1KiB/s",
                                    "max_connections_per_endpoint: 1, queue_timeout: 30s, timeout: 60s");
  SessionTier tier(options);
  Peer first = tier.connect_client();
  ASSERT_TRUE(first.send(get_request("/slow")));
  Peer backend = tier.accept_backend();
  Peer uploader = tier.connect_client();
  ASSERT_TRUE(uploader.send(post_request(std::string(5000, 'b'))));
  tier.advance(10500ms);  // 5,000 bytes in 10.5 s would be under 1 KiB/s
  EXPECT_EQ(status_of(uploader.received()), 0u) << uploader.received();
  ASSERT_TRUE(backend.send(ok_response("slow")));
  tier.settle();
  EXPECT_EQ(status_of(first.received()), 200u);
  EXPECT_NE(backend.received().find(std::string(5000, 'b')), std::string::npos) << "the queued body went up whole";
  ASSERT_TRUE(backend.send(ok_response("stored")));
  tier.settle();
  EXPECT_EQ(status_of(uploader.received()), 200u) << uploader.received();
  EXPECT_EQ(tier.local_replies(LocalReason::body_too_slow), 0u);
  first.close();
  uploader.close();
  tier.expect_nothing_leaked();
}

}  // namespace
}  // namespace cutover::session_test
