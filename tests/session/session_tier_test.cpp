// The tier itself: a plain exchange runs in the test's thread and leaves nothing behind.
#include <gtest/gtest.h>

#include "session/session_tier.hpp"

namespace cutover::session_test {
namespace {

TEST(SessionTier, AGetIsProxiedAndTheConnectionsAreKept) {
  SessionTier tier;
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(get_request()));
  Peer backend = tier.accept_backend();
  EXPECT_EQ(requests_in(backend.received()), 1u);
  backend.send(ok_response("hello"));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 200u);
  EXPECT_NE(client.received().find("hello"), std::string::npos);
  EXPECT_EQ(tier.backend_connections_idle(), 1u);
  client.close();
  tier.expect_nothing_leaked();
}

// An answer whose body comes after its header, on a connection from the pool: the header goes
// out at once, the body when it comes.
TEST(SessionTier, AnAnswersBodyThatComesLaterOnAReusedConnection) {
  SessionTier tier;
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(get_request()));
  Peer backend = tier.accept_backend();
  backend.send(ok_response("hello"));
  tier.settle();
  ASSERT_EQ(status_of(client.received()), 200u);
  const auto first = client.received().size();
  ASSERT_TRUE(client.send(get_request()));
  tier.settle();
  backend.send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
  tier.settle();
  EXPECT_EQ(status_of(client.received().substr(first)), 200u);
  backend.send("world");
  tier.settle();
  EXPECT_NE(client.received().find("world"), std::string::npos) << client.received();
  EXPECT_NE(client.received().find("world"), std::string::npos) << client.received();
  client.close();
  tier.expect_nothing_leaked();
}

}  // namespace
}  // namespace cutover::session_test
