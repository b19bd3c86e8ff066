// The backend fails at each step of an exchange (while its connection sat in the pool, after
// taking the request, in its answer's header, in its body) by closing, resetting, answering
// garbage or going silent, for each shape of request, on a fresh and on a reused connection.
// Each case asserts what the client got, what the backends saw, which counter moved, whether the
// request was tried again, and that nothing was left behind.
#include <gtest/gtest.h>

#include "session/session_tier.hpp"
#include "session/shapes.hpp"

namespace cutover::session_test {
namespace {

using namespace std::chrono_literals;

enum class Connection { fresh, reused };

struct Case {
  Shape shape;
  Connection connection;
};

std::string case_name(const testing::TestParamInfo<Case>& info) {
  return std::string(name_of(info.param.shape)) + (info.param.connection == Connection::fresh ? "Fresh" : "Reused");
}

std::vector<Case> every_case() {
  std::vector<Case> cases;
  for (auto shape : kEveryShape) {
    for (auto connection : {Connection::fresh, Connection::reused}) cases.push_back({shape, connection});
  }
  return cases;
}

// A client whose request the backend holds, on a fresh or a reused connection.
class BackendFails : public testing::TestWithParam<Case> {
 protected:
  void start(const std::string& backend_settings = "timeout: 5s") {
    tier_ = std::make_unique<SessionTier>(options_for(GetParam().shape, "", backend_settings));
    client_ = tier_->connect_client();
    if (GetParam().connection == Connection::reused) {
      ASSERT_TRUE(client_.send(get_request("/first")));
      backend_ = tier_->accept_backend();
      ASSERT_TRUE(backend_.send(ok_response("first")));
      tier_->settle();
      ASSERT_EQ(status_of(client_.received()), 200u);
      consume_client();
      backend_consumed_ = backend_.received().size();
      ASSERT_EQ(tier_->backend_connections_idle(), 1u);
    }
  }
  void send_request() {
    ASSERT_TRUE(client_.send(request_of(GetParam().shape)));
    if (GetParam().connection == Connection::fresh) backend_ = tier_->accept_backend();
    tier_->settle();
    ASSERT_EQ(requests_in(backend_request()), 1u) << backend_request();
  }
  // What the backend received for the request under test.
  std::string backend_request() { return backend_.received().substr(backend_consumed_); }
  std::string client_answer() { return client_.received().substr(client_consumed_); }
  void consume_client() { client_consumed_ = client_.received().size(); }
  bool reused_get() const { return GetParam().connection == Connection::reused && GetParam().shape == Shape::get; }

  // A request that was not tried again got a 502 with the error in its JSON body.
  void expect_bad_gateway() {
    EXPECT_EQ(status_of(client_answer()), 502u) << client_answer();
    EXPECT_NE(client_answer().find("\"upstream_unavailable\""), std::string::npos);
    EXPECT_EQ(tier_->counters().upstream_errors.load(), 1u);
    EXPECT_EQ(tier_->counters().upstream_retries.load(), 0u);
    EXPECT_FALSE(tier_->backend_connection_pending()) << "not tried again";
  }
  // A GET on a reused connection that failed before any answer goes once more, on a new one.
  void expect_retried_and_answered() {
    EXPECT_EQ(tier_->counters().upstream_retries.load(), 1u);
    Peer again = tier_->accept_backend();
    EXPECT_EQ(requests_in(again.received()), 1u);
    ASSERT_TRUE(again.send(ok_response("second try")));
    tier_->settle();
    EXPECT_EQ(status_of(client_answer()), 200u);
    EXPECT_NE(client_answer().find("second try"), std::string::npos);
    EXPECT_EQ(tier_->backend_connections_idle(), 1u);
  }
  void finish() {
    client_.close();
    tier_->expect_nothing_leaked();
  }

  std::unique_ptr<SessionTier> tier_;
  Peer client_;
  Peer backend_;
  std::size_t backend_consumed_ = 0;
  std::size_t client_consumed_ = 0;
};

TEST_P(BackendFails, ByClosingAfterTakingTheRequest) {
  start();
  send_request();
  backend_.close();
  tier_->settle();
  if (reused_get()) expect_retried_and_answered();
  else expect_bad_gateway();
  finish();
}

TEST_P(BackendFails, ByResettingAfterTakingTheRequest) {
  start();
  send_request();
  backend_.reset();
  tier_->settle();
  if (reused_get()) expect_retried_and_answered();
  else expect_bad_gateway();
  finish();
}

// Some of an answer came: the backend may have acted on the request, so it is never retried.
TEST_P(BackendFails, ByClosingHalfwayThroughItsHeader) {
  start();
  send_request();
  ASSERT_TRUE(backend_.send("HTTP/1.1 200 OK\r\nContent-Le"));
  tier_->settle();
  backend_.close();
  tier_->settle();
  expect_bad_gateway();
  finish();
}

TEST_P(BackendFails, ByAnsweringSomethingThatIsNotHttp) {
  start();
  send_request();
  ASSERT_TRUE(backend_.send("SSH-2.0-OpenSSH_9.2\r\n\r\n"));
  tier_->settle();
  expect_bad_gateway();
  EXPECT_TRUE(backend_.hung_up()) << "a connection that spoke garbage is closed";
  finish();
}

// Silent: 504 once the backend's timeout passes, not a moment before; its connection is closed.
TEST_P(BackendFails, ByGoingSilentUntilTheTimeout) {
  start();
  send_request();
  tier_->advance(4990ms);
  EXPECT_EQ(status_of(client_answer()), 0u) << "nothing before the timeout";
  tier_->advance(30ms);
  EXPECT_EQ(status_of(client_answer()), 504u) << client_answer();
  EXPECT_NE(client_answer().find("\"upstream_timeout\""), std::string::npos);
  EXPECT_EQ(tier_->counters().upstream_timeouts.load(), 1u);
  EXPECT_EQ(tier_->counters().upstream_retries.load(), 0u);
  EXPECT_TRUE(backend_.hung_up());
  EXPECT_FALSE(tier_->backend_connection_pending()) << "a timeout is never retried";
  EXPECT_FALSE(client_.hung_up()) << "a 504 keeps the client's connection";
  finish();
}

TEST_P(BackendFails, ByGoingSilentHalfwayThroughItsHeader) {
  start();
  send_request();
  ASSERT_TRUE(backend_.send("HTTP/1.1 200 OK\r\n"));
  tier_->advance(5020ms);
  EXPECT_EQ(status_of(client_answer()), 504u) << client_answer();
  EXPECT_EQ(tier_->counters().upstream_timeouts.load(), 1u);
  EXPECT_TRUE(backend_.hung_up());
  finish();
}

// Once the header went out, nothing but closing the connection can tell the client the answer
// is cut short: it must not take the part for the whole.
TEST_P(BackendFails, ByClosingHalfwayThroughItsBody) {
  start();
  send_request();
  ASSERT_TRUE(backend_.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + std::string(40, 'a')));
  tier_->settle();
  EXPECT_EQ(status_of(client_answer()), 200u) << "the header goes out as soon as it is read";
  backend_.close();
  tier_->settle();
  EXPECT_TRUE(client_.hung_up()) << "a cut answer closes the client's connection";
  EXPECT_EQ(client_answer().find(std::string(100, 'a')), std::string::npos);
  EXPECT_EQ(tier_->counters().upstream_errors.load(), 1u);
  EXPECT_EQ(tier_->backend_connections_open(), 0u);
  finish();
}

TEST_P(BackendFails, ByGoingSilentHalfwayThroughItsBody) {
  start();
  send_request();
  ASSERT_TRUE(backend_.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + std::string(40, 'a')));
  tier_->settle();
  tier_->advance(4990ms);
  EXPECT_FALSE(client_.hung_up());
  tier_->advance(30ms);
  EXPECT_TRUE(client_.hung_up());
  EXPECT_TRUE(backend_.hung_up());
  EXPECT_EQ(tier_->counters().upstream_timeouts.load(), 1u);
  finish();
}

// A broken chunk after the header went out: the client's connection is closed, and never gets a
// last chunk the backend did not send.
TEST_P(BackendFails, BySendingABrokenChunkAfterItsHeader) {
  start();
  send_request();
  ASSERT_TRUE(backend_.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
  tier_->settle();
  ASSERT_EQ(status_of(client_answer()), 200u);
  ASSERT_TRUE(backend_.send("5\r\nhello\r\nzz\r\n"));
  tier_->settle();
  EXPECT_TRUE(client_.hung_up()) << client_answer();
  const std::string answer = client_answer();
  EXPECT_EQ(answer.find("\r\n0\r\n\r\n", answer.find("\r\n\r\n")), std::string::npos)
      << "never a last chunk the backend did not send: " << answer;
  EXPECT_EQ(tier_->counters().upstream_errors.load(), 1u);
  EXPECT_TRUE(backend_.hung_up());
  finish();
}

// Broken before anything reached the client (header and bad chunk in one read): still a 502.
TEST_P(BackendFails, BySendingABrokenChunkWithItsHeader) {
  start();
  send_request();
  ASSERT_TRUE(backend_.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n"));
  tier_->settle();
  expect_bad_gateway();
  EXPECT_FALSE(client_.hung_up()) << "a 502 keeps the client's connection";
  EXPECT_TRUE(backend_.hung_up());
  finish();
}

INSTANTIATE_TEST_SUITE_P(EveryShape, BackendFails, testing::ValuesIn(every_case()), case_name);

// Refused connects are counted once per attempt: one endpoint, one attempt, one count (the reply
// adds none; it once did, and the metric read double).
TEST(BackendRefuses, EachRequestIsAnswered502AndEachAttemptCountedOnce) {
  for (Shape shape : kEveryShape) {
    SCOPED_TRACE(name_of(shape));
    SessionTier tier(options_for(shape));
    tier.stop_backend_listener();
    Peer client = tier.connect_client();
    ASSERT_TRUE(client.send(request_of(shape)));
    tier.settle();
    EXPECT_EQ(status_of(client.received()), 502u) << client.received();
    EXPECT_NE(client.received().find("\"upstream_unavailable\""), std::string::npos);
    EXPECT_EQ(tier.counters().upstream_connect_failures.load(), 1u);
    EXPECT_EQ(tier.counters().upstream_errors.load(), 0u);
    // A failed request with a body ends its connection (its body may not have been read to the end).
    EXPECT_EQ(client.hung_up(), has_body(shape));
    client.close();
    tier.expect_nothing_leaked();
  }
}

}  // namespace
}  // namespace cutover::session_test
