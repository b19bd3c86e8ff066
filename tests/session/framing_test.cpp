// How an answer is framed for its client (plan_response), and the order of what a client is
// sent, observed on a real session: 100-continue before the answer, HTTP/1.0 clients, HEAD,
// pipelining, who closes which connection, and a drain.
#include <gtest/gtest.h>

#include "session/session_tier.hpp"
#include "session/shapes.hpp"

namespace cutover::session_test {
namespace {

using namespace std::chrono_literals;

const std::string kExpectHead =
    "POST /upload HTTP/1.1\r\nHost: example.test\r\nContent-Length: 64\r\nExpect: 100-continue\r\n\r\n";

// A body the gateway reads whole first: the client is told to send it at once, before any
// backend connection.
TEST(ContinueAndFraming, ABufferedBodyIsAskedForAtOnce) {
  SessionTier tier;
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(kExpectHead));
  tier.settle();
  EXPECT_EQ(client.received(), "HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_FALSE(tier.backend_connection_pending());
  ASSERT_TRUE(client.send(kBody));
  Peer backend = tier.accept_backend();
  EXPECT_NE(backend.received().find(kBody), std::string::npos);
  ASSERT_TRUE(backend.send(ok_response("stored")));
  tier.settle();
  EXPECT_EQ(responses_in(client.received()), 2u);
  EXPECT_EQ(status_of(client.received().substr(client.received().find("\r\n\r\n") + 4)), 200u);
  client.close();
  tier.expect_nothing_leaked();
}

// A streamed body: asked for only once a backend connection is there.
TEST(ContinueAndFraming, AStreamedBodyIsAskedForOnceTheBackendIsConnected) {
  SessionTier tier(options_for(Shape::streamed_post));
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(kExpectHead));
  Peer backend = tier.accept_backend();
  EXPECT_EQ(client.received(), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(client.send(kBody));
  tier.settle();
  EXPECT_NE(backend.received().find(kBody), std::string::npos);
  ASSERT_TRUE(backend.send(ok_response("stored")));
  tier.settle();
  EXPECT_EQ(responses_in(client.received()), 2u);
  client.close();
  tier.expect_nothing_leaked();
}

// No backend to send it to: the client is answered instead of asked for a body.
TEST(ContinueAndFraming, AStreamedBodyForAnUnreachableBackendIsAnsweredNotAskedFor) {
  SessionTier tier(options_for(Shape::streamed_post));
  tier.stop_backend_listener();
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(kExpectHead));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 502u) << client.received();
  EXPECT_EQ(client.received().find("100 Continue"), std::string::npos);
  EXPECT_EQ(tier.counters().upstream_connect_failures.load(), 1u);
  client.close();
  tier.expect_nothing_leaked();
}

// An HTTP/1.0 client cannot read chunked framing: the body comes close-delimited, whole.
TEST(ContinueAndFraming, AnHttp10ClientGetsAChunkedAnswerWithoutChunks) {
  SessionTier tier;
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send("GET /old HTTP/1.0\r\nHost: example.test\r\n\r\n"));
  Peer backend = tier.accept_backend();
  ASSERT_TRUE(backend.send(chunked_response("from a chunked backend")));
  tier.settle();
  const std::string& answer = client.received();
  EXPECT_EQ(answer.find("Transfer-Encoding"), std::string::npos) << answer;
  EXPECT_NE(answer.find("\r\n\r\nfrom a chunked backend"), std::string::npos) << answer;
  EXPECT_TRUE(client.hung_up()) << "the end of the body is the end of the connection";
  EXPECT_FALSE(backend.hung_up()) << "the backend's connection, read to its last chunk, is kept";
  tier.expect_nothing_leaked();
}

// HEAD: the header says how long the body would be; no body follows, and the connection goes on.
TEST(ContinueAndFraming, AHeadAnswerHasNoBodyAndTheConnectionGoesOn) {
  SessionTier tier;
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send("HEAD /x HTTP/1.1\r\nHost: example.test\r\n\r\n"));
  Peer backend = tier.accept_backend();
  ASSERT_TRUE(backend.send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"));
  tier.settle();
  ASSERT_EQ(status_of(client.received()), 200u);
  EXPECT_NE(client.received().find("Content-Length: 5\r\n"), std::string::npos);
  EXPECT_TRUE(client.received().ends_with("\r\n\r\n")) << client.received();
  const auto first = client.received().size();
  ASSERT_TRUE(client.send(get_request()));
  tier.settle();
  ASSERT_TRUE(backend.send(ok_response("after head")));
  tier.settle();
  EXPECT_NE(client.received().find("after head", first), std::string::npos);
  client.close();
  tier.expect_nothing_leaked();
}

// Two requests in one write are answered in order, each by its own backend exchange.
TEST(ContinueAndFraming, PipelinedRequestsAreAnsweredInOrder) {
  SessionTier tier;
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(get_request("/one") + get_request("/two")));
  Peer backend = tier.accept_backend();
  EXPECT_EQ(requests_in(backend.received()), 1u) << "one at a time";
  ASSERT_TRUE(backend.send(ok_response("first answer")));
  tier.settle();
  EXPECT_EQ(requests_in(backend.received()), 2u);
  ASSERT_TRUE(backend.send(ok_response("second answer")));
  tier.settle();
  const std::string& answers = client.received();
  ASSERT_NE(answers.find("second answer"), std::string::npos);
  EXPECT_LT(answers.find("first answer"), answers.find("second answer"));
  client.close();
  tier.expect_nothing_leaked();
}

TEST(ContinueAndFraming, AClientsConnectionCloseEndsItsConnectionButNotTheBackends) {
  SessionTier tier;
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(get_request("/x", "Connection: close\r\n")));
  Peer backend = tier.accept_backend();
  ASSERT_TRUE(backend.send(ok_response()));
  tier.settle();
  EXPECT_NE(client.received().find("Connection: close\r\n"), std::string::npos);
  EXPECT_TRUE(client.hung_up());
  EXPECT_EQ(tier.backend_connections_idle(), 1u);
  tier.expect_nothing_leaked();
}

TEST(ContinueAndFraming, ABackendsConnectionCloseEndsItsConnectionButNotTheClients) {
  SessionTier tier;
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(get_request()));
  Peer backend = tier.accept_backend();
  ASSERT_TRUE(backend.send(ok_response("bye", "Connection: close\r\n")));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 200u);
  EXPECT_EQ(client.received().find("Connection: close"), std::string::npos) << "the backend's hop, not the client's";
  EXPECT_FALSE(client.hung_up());
  EXPECT_TRUE(backend.hung_up());
  EXPECT_EQ(tier.backend_connections_open(), 0u);
  client.close();
  tier.expect_nothing_leaked();
}

// 204 and 304 carry no body whatever their header says.
TEST(ContinueAndFraming, A204IsPassedOnWithoutABodyAndBothConnectionsAreKept) {
  SessionTier tier;
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(get_request()));
  Peer backend = tier.accept_backend();
  ASSERT_TRUE(backend.send("HTTP/1.1 204 No Content\r\n\r\n"));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 204u);
  EXPECT_TRUE(client.received().ends_with("\r\n\r\n"));
  EXPECT_FALSE(client.hung_up());
  EXPECT_EQ(tier.backend_connections_idle(), 1u);
  client.close();
  tier.expect_nothing_leaked();
}

// A drain lets the exchange in flight finish with Connection: close, and closes idle connections.
TEST(ContinueAndFraming, ADrainFinishesTheExchangeInFlightAndClosesTheIdle) {
  SessionTier tier;
  Peer idle = tier.connect_client();
  Peer busy = tier.connect_client();
  ASSERT_TRUE(busy.send(get_request()));
  Peer backend = tier.accept_backend();
  tier.worker().begin_drain();
  tier.settle();
  EXPECT_TRUE(idle.hung_up()) << "an idle connection is closed at once";
  EXPECT_FALSE(busy.hung_up());
  ASSERT_TRUE(backend.send(ok_response("last")));
  tier.settle();
  EXPECT_EQ(status_of(busy.received()), 200u);
  EXPECT_NE(busy.received().find("Connection: close\r\n"), std::string::npos);
  EXPECT_TRUE(busy.hung_up());
  tier.expect_nothing_leaked();
}

}  // namespace
}  // namespace cutover::session_test
