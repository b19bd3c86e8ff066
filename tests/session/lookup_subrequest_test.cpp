// The session lookup (identity.auth_request) on the manual clock: its subrequest goes through the
// same wire, parser and deadlines as a proxied request, so its timeout runs out when the clock
// says so, and the backend's failures at each step of the subrequest are answered as documented.
#include <gtest/gtest.h>

#include "session/session_tier.hpp"

namespace cutover::session_test {
namespace {

using namespace std::chrono_literals;
using metrics::LocalReason;
using metrics::LookupFailure;

// The tier's one backend answers both the lookup and the proxied request.
TierOptions with_session_lookup(const std::string& settings = "") {
  TierOptions options;
  options.extra_yaml = "identity:\n  auth_request: { backend: app, path: /whoami" + settings + " }\n";
  return options;
}

std::string with_session(std::string_view session) {
  return get_request("/x", "Cookie: sessionid=" + std::string(session) + "\r\n");
}

std::uint64_t lookup_failures(SessionTier& tier, LookupFailure cause) {
  return tier.counters().lookup_failure(cause).load();
}

TEST(LookupSubrequest, TheUserNamedByTheLookupIsSentToTheBackend) {
  SessionTier tier(with_session_lookup());
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(with_session("s-1")));
  Peer backend = tier.accept_backend();
  ASSERT_NE(backend.received().find("GET /whoami HTTP/1.1\r\n"), std::string::npos) << backend.received();
  ASSERT_NE(backend.received().find("Cookie: sessionid=s-1\r\n"), std::string::npos) << backend.received();
  ASSERT_TRUE(backend.send(ok_response("", "X-User-Id: alice\r\n")));
  tier.settle();
  // The lookup's connection went back to the pool and carries the proxied request.
  ASSERT_NE(backend.received().find("GET /x HTTP/1.1\r\n"), std::string::npos) << backend.received();
  EXPECT_NE(backend.received().find("alice"), std::string::npos) << backend.received();
  ASSERT_TRUE(backend.send(ok_response()));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 200u);
  client.close();
  tier.expect_nothing_leaked();
}

// identity.auth_request.timeout covers the whole lookup: a backend that takes the subrequest
// and says nothing fails it then, not a moment before, and the client is told 502.
TEST(LookupSubrequest, ASilentBackendFailsTheLookupAtItsTimeout) {
  SessionTier tier(with_session_lookup(", timeout: 800ms"));
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(with_session("s-1")));
  Peer backend = tier.accept_backend();
  tier.advance(790ms);
  EXPECT_EQ(status_of(client.received()), 0u);
  tier.advance(30ms);  // deadlines end on the watchdog's 16 ms ticks
  EXPECT_EQ(status_of(client.received()), 502u);
  EXPECT_NE(client.received().find("\"auth_unavailable\""), std::string::npos) << client.received();
  EXPECT_EQ(lookup_failures(tier, LookupFailure::timeout), 1u);
  EXPECT_EQ(tier.local_replies(LocalReason::auth_unavailable), 1u);
  client.close();
  backend.close();
  tier.expect_nothing_leaked();
}

// A header that trickles in does not stretch the timeout.
TEST(LookupSubrequest, AnAnswerThatTricklesFailsAtTheTimeout) {
  SessionTier tier(with_session_lookup(", timeout: 800ms"));
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(with_session("s-1")));
  Peer backend = tier.accept_backend();
  const std::string answer = ok_response("", "X-User-Id: alice\r\n");
  for (std::size_t i = 0; i < 10; ++i) {
    ASSERT_TRUE(backend.send(answer.substr(i, 1)));
    tier.advance(100ms);
  }
  EXPECT_EQ(status_of(client.received()), 502u);
  EXPECT_EQ(lookup_failures(tier, LookupFailure::timeout), 1u);
  client.close();
  backend.close();
  tier.expect_nothing_leaked();
}

// The answer's body is read to its end, so the connection is reused for the proxied request.
TEST(LookupSubrequest, AnAnswerWithABodyLeavesItsConnectionReusable) {
  SessionTier tier(with_session_lookup());
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(with_session("s-1")));
  Peer backend = tier.accept_backend();
  ASSERT_TRUE(backend.send("HTTP/1.1 200 OK\r\nX-User-Id: alice\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "11\r\n{\"user\": \"alice\"}\r\n0\r\n\r\n"));
  tier.settle();
  ASSERT_NE(backend.received().find("GET /x HTTP/1.1\r\n"), std::string::npos) << backend.received();
  EXPECT_FALSE(tier.backend_connection_pending());
  ASSERT_TRUE(backend.send(ok_response()));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 200u);
  client.close();
  tier.expect_nothing_leaked();
}

// A backend that closes after taking the subrequest on a fresh connection: a reset, counted,
// and the client told 502 at once.
TEST(LookupSubrequest, ABackendThatClosesWithoutAnAnswerIs502AtOnce) {
  SessionTier tier(with_session_lookup());
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(with_session("s-1")));
  Peer backend = tier.accept_backend();
  backend.close();
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 502u);
  EXPECT_EQ(lookup_failures(tier, LookupFailure::reset), 1u);
  client.close();
  tier.expect_nothing_leaked();
}

// An answer that is not HTTP is invalid_response, and its connection is not kept.
TEST(LookupSubrequest, GarbageInsteadOfAnAnswerIsAnInvalidResponse) {
  SessionTier tier(with_session_lookup());
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(with_session("s-1")));
  Peer backend = tier.accept_backend();
  ASSERT_TRUE(backend.send("SSH-2.0-OpenSSH_9.2\r\n"));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 502u);
  EXPECT_EQ(lookup_failures(tier, LookupFailure::invalid_response), 1u);
  EXPECT_EQ(tier.backend_connections_open(), 0u);
  client.close();
  tier.expect_nothing_leaked();
}

}  // namespace
}  // namespace cutover::session_test
