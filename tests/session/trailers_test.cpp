// Trailer fields of a chunked answer on their way to the client: passed under the rules request
// trailers follow (append_last_chunk), dropped when the client's answer is not chunked. (A
// Content-Length among them fails the answer in the parser, as a smuggling shape: not shown here.)
#include <gtest/gtest.h>

#include "session/session_tier.hpp"

namespace cutover::session_test {
namespace {

constexpr std::string_view kAnswerWithTrailers =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Server-Timing, X-Checksum\r\n\r\n"
    "5\r\nhello\r\n0\r\n"
    "Server-Timing: db;dur=53\r\nX-Checksum: abc\r\nContent-Type: text/html\r\nSet-Cookie: session=stolen\r\n"
    "X-User-Id: admin\r\nX_Odd: 1\r\nConnection: close\r\n\r\n";

TEST(ResponseTrailers, ReachTheClientWithoutFramingCredentialsOrTheGatewaysNames) {
  SessionTier tier;
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(get_request("/t")));
  Peer backend = tier.accept_backend();
  ASSERT_TRUE(backend.send(kAnswerWithTrailers));
  tier.settle();
  const std::string& answer = client.received();
  EXPECT_EQ(status_of(answer), 200u);
  const auto body = answer.substr(answer.find("\r\n\r\n") + 4);
  EXPECT_EQ(body, "5\r\nhello\r\n0\r\nServer-Timing: db;dur=53\r\nX-Checksum: abc\r\n\r\n") << body;
  EXPECT_EQ(tier.backend_connections_idle(), 1u) << "the backend's connection is reusable";
}

TEST(ResponseTrailers, AnHttp10ClientGetsNone) {
  SessionTier tier;
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send("GET /t HTTP/1.0\r\nHost: x\r\n\r\n"));
  Peer backend = tier.accept_backend();
  ASSERT_TRUE(backend.send(kAnswerWithTrailers));
  tier.settle();
  const std::string& answer = client.received();
  EXPECT_EQ(answer.substr(answer.find("\r\n\r\n") + 4), "hello");
  EXPECT_EQ(answer.find("Server-Timing"), std::string::npos);
}

}  // namespace
}  // namespace cutover::session_test
