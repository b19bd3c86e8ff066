// The client fails at each step of a request's life (before, in and after its header, in its
// body, while its answer is written) by closing, resetting or going silent, for each shape of
// request. Each case asserts what the client got, what the backend saw, which counter moved, and
// that nothing was left behind.
#include <gtest/gtest.h>

#include "session/session_tier.hpp"
#include "session/shapes.hpp"

namespace cutover::session_test {
namespace {

using namespace std::chrono_literals;
using metrics::LocalReason;

enum class Hangup { close, reset };

void hang_up(Peer& peer, Hangup how) {
  if (how == Hangup::close) peer.close();
  else peer.reset();
}

struct Case {
  Shape shape;
  Hangup how;
};

std::string case_name(const testing::TestParamInfo<Case>& info) {
  return std::string(name_of(info.param.shape)) + (info.param.how == Hangup::close ? "Close" : "Reset");
}

std::vector<Case> every_shape_and_hangup() {
  std::vector<Case> cases;
  for (auto shape : kEveryShape) {
    for (auto how : {Hangup::close, Hangup::reset}) cases.push_back({shape, how});
  }
  return cases;
}

std::vector<Case> posts_and_hangups() {
  std::vector<Case> cases;
  for (auto shape : {Shape::buffered_post, Shape::streamed_post, Shape::chunked_post}) {
    for (auto how : {Hangup::close, Hangup::reset}) cases.push_back({shape, how});
  }
  return cases;
}

class ClientHangsUp : public testing::TestWithParam<Case> {};

// Nothing sent: nothing to answer, count or log; no backend connection.
TEST_P(ClientHangsUp, BeforeItsFirstByte) {
  SessionTier tier(options_for(GetParam().shape));
  Peer client = tier.connect_client();
  hang_up(client, GetParam().how);
  tier.settle();
  EXPECT_FALSE(tier.backend_connection_pending());
  EXPECT_EQ(tier.counters().client_aborts.load(), 0u);
  EXPECT_EQ(tier.counters().requests.load(), 0u);
  EXPECT_TRUE(tier.access_log().empty());
  tier.expect_nothing_leaked();
}

// Part of a header: an abort, counted and logged once, never a malformed request.
TEST_P(ClientHangsUp, InTheMiddleOfItsHeader) {
  SessionTier tier(options_for(GetParam().shape));
  Peer client = tier.connect_client();
  const std::string request = request_of(GetParam().shape);
  ASSERT_TRUE(client.send(request.substr(0, request.find("\r\n") + 5)));
  tier.settle();
  hang_up(client, GetParam().how);
  tier.settle();
  EXPECT_FALSE(tier.backend_connection_pending());
  EXPECT_EQ(tier.counters().client_aborts.load(), 1u);
  EXPECT_EQ(tier.local_replies(LocalReason::bad_request), 0u);
  const auto log = tier.access_log();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].value("error", ""), "client_aborted");
  tier.expect_nothing_leaked();
}

// The whole request went up; the client leaves before its answer. A client that closed still
// has its answer written (the gateway cannot tell a half-close from a close until a write fails),
// and the backend's connection, its answer read whole, is kept. A reset fails that write: the
// exchange is a client abort, and the connection is closed with it.
TEST_P(ClientHangsUp, AfterItsRequestBeforeTheAnswer) {
  SessionTier tier(options_for(GetParam().shape));
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(request_of(GetParam().shape)));
  Peer backend = tier.accept_backend();
  EXPECT_EQ(requests_in(backend.received()), 1u);
  hang_up(client, GetParam().how);
  tier.settle();
  backend.send(ok_response("late"));
  tier.settle();
  EXPECT_EQ(tier.counters().requests.load(), 1u);
  const auto log = tier.access_log();
  ASSERT_EQ(log.size(), 1u);
  if (GetParam().how == Hangup::close) {
    EXPECT_FALSE(backend.hung_up()) << "a backend connection with its answer read whole is kept";
    EXPECT_EQ(tier.backend_connections_idle(), 1u);
    EXPECT_EQ(tier.counters().client_aborts.load(), 0u);
    EXPECT_EQ(log[0].value("status", 0), 200);
  } else {
    EXPECT_TRUE(backend.hung_up());
    EXPECT_EQ(tier.backend_connections_open(), 0u);
    EXPECT_EQ(tier.counters().client_aborts.load(), 1u);
    EXPECT_EQ(log[0].value("error", ""), "client_aborted");
  }
  tier.expect_nothing_leaked();
}

INSTANTIATE_TEST_SUITE_P(EveryShape, ClientHangsUp, testing::ValuesIn(every_shape_and_hangup()), case_name);

class ClientHangsUpInItsBody : public testing::TestWithParam<Case> {};

// Half a body: the request is not forwarded whole, ever. A buffered body never reached the
// backend; a streamed one did in part, and its backend connection is closed, not reused.
TEST_P(ClientHangsUpInItsBody, AndTheBackendNeverGetsARequestItCouldTakeForWhole) {
  SessionTier tier(options_for(GetParam().shape));
  Peer client = tier.connect_client();
  const std::string request = request_of(GetParam().shape);
  ASSERT_TRUE(client.send(request.substr(0, request.size() - 20)));
  tier.settle();
  Peer backend;
  if (streams(GetParam().shape)) {
    backend = tier.accept_backend();
  } else {
    EXPECT_FALSE(tier.backend_connection_pending()) << "a buffered body takes no connection before it is whole";
  }
  hang_up(client, GetParam().how);
  tier.settle();
  EXPECT_EQ(tier.counters().client_aborts.load(), 1u);
  EXPECT_EQ(tier.counters().requests_proxied.load(), 0u);
  if (backend.valid()) {
    EXPECT_EQ(backend.received().find(kBody), std::string::npos) << "never the whole body";
    EXPECT_EQ(backend.received().find("\r\n0\r\n\r\n"), std::string::npos) << "never a last chunk";
    EXPECT_TRUE(backend.hung_up()) << "a half-sent request's connection cannot be reused";
  }
  EXPECT_EQ(tier.backend_connections_open(), 0u);
  const auto log = tier.access_log();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].value("error", ""), "client_aborted");
  tier.expect_nothing_leaked();
}

// Silent halfway through its body: 408 once body_timeout passes, not a moment before.
TEST_P(ClientHangsUpInItsBody, GoingSilentIsAnsweredWith408AfterTheBodyTimeout) {
  SessionTier tier(options_for(GetParam().shape, "body_timeout: 5s, min_body_rate: 0"));
  Peer client = tier.connect_client();
  const std::string request = request_of(GetParam().shape);
  ASSERT_TRUE(client.send(request.substr(0, request.size() - 20)));
  tier.settle();
  Peer backend;
  if (streams(GetParam().shape)) backend = tier.accept_backend();
  tier.advance(4990ms);
  EXPECT_EQ(status_of(client.received()), 0u) << "nothing before the timeout";
  EXPECT_FALSE(client.hung_up());
  tier.advance(30ms);
  EXPECT_EQ(status_of(client.received()), 408u);
  EXPECT_TRUE(client.hung_up());
  EXPECT_EQ(tier.local_replies(LocalReason::client_timeout), 1u);
  if (backend.valid()) {
    EXPECT_TRUE(backend.hung_up());
  }
  EXPECT_EQ(tier.backend_connections_open(), 0u);
  client.close();
  tier.expect_nothing_leaked();
}

INSTANTIATE_TEST_SUITE_P(EveryBody, ClientHangsUpInItsBody, testing::ValuesIn(posts_and_hangups()), case_name);

// A keep-alive client that sends its request and its FIN together (`printf ... | nc -N`) gets its
// answer, and then its connection closed within the first idle second, not at idle_timeout: the
// FIN came in the request's readable event, which no later event announces.
TEST(ClientHalfCloses, WithItsRequestAndIsClosedAfterTheAnswerWithinASecond) {
  SessionTier tier;
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(get_request("/first")));
  Peer backend = tier.accept_backend();
  ASSERT_TRUE(backend.send(ok_response()));
  tier.settle();
  ASSERT_EQ(status_of(client.received()), 200u);
  // The connection waits, idle; the next request and the FIN arrive while it does, in one event.
  const std::size_t answered = client.received().size();
  ASSERT_TRUE(client.send(get_request("/last")));
  client.shutdown_write();
  tier.settle();
  ASSERT_TRUE(backend.send(ok_response()));
  tier.settle();
  EXPECT_EQ(status_of(client.received().substr(answered)), 200u);
  tier.advance(1000ms + 30ms);
  EXPECT_TRUE(client.hung_up()) << "still open: it would wait for the 60 s idle_timeout";
  EXPECT_EQ(tier.local_replies(LocalReason::client_timeout), 0u) << "a close, not a timeout";
  client.close();
  backend.close();
  tier.expect_nothing_leaked();
}

}  // namespace
}  // namespace cutover::session_test
