// Upgrades (WebSocket) through the worker: the handshake forwarded with the identity rewritten as
// for any request, the 101 relayed, the bytes tunnelled both ways until either side ends it or it
// idles out; upgrades a route does not allow answered 501; h2c answered in HTTP/1.1.
#include <gtest/gtest.h>

#include "session/session_tier.hpp"

namespace cutover::session_test {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kHandshake =
    "GET /chat HTTP/1.1\r\nHost: example.test\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-User-Id: forged\r\n\r\n";
constexpr std::string_view kSwitching =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// A client and a backend joined by a tunnel; `first_frame` comes right behind the 101.
struct Tunnel {
  Peer client;
  Peer backend;
  std::size_t head_end = 0;  // where the client's bytes after the 101's head start
};

Tunnel open_tunnel(SessionTier& tier, std::string_view first_frame = "") {
  Tunnel tunnel;
  tunnel.client = tier.connect_client();
  EXPECT_TRUE(tunnel.client.send(kHandshake));
  tunnel.backend = tier.accept_backend();
  EXPECT_TRUE(tunnel.backend.send(std::string(kSwitching) + std::string(first_frame)));
  tier.settle();
  tunnel.head_end = tunnel.client.received().find("\r\n\r\n");
  if (tunnel.head_end != std::string::npos) tunnel.head_end += 4;
  return tunnel;
}

TEST(Upgrade, AWebSocketIsTunnelledBothWaysWithTheIdentityRewrittenOnItsHandshake) {
  SessionTier tier;
  Tunnel tunnel = open_tunnel(tier, "\x81\x05hello");
  const std::string& upstream = tunnel.backend.received();
  EXPECT_TRUE(contains(upstream, "Connection: Upgrade\r\nUpgrade: websocket\r\n")) << upstream;
  EXPECT_TRUE(contains(upstream, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
  EXPECT_FALSE(contains(upstream, "forged")) << "the identity header is the gateway's on upgrades too";
  EXPECT_FALSE(contains(upstream, "keep-alive"));

  const std::string& answer = tunnel.client.received();
  EXPECT_EQ(status_of(answer), 101u) << answer;
  EXPECT_TRUE(contains(answer, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
  EXPECT_TRUE(contains(answer, "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n")) << answer;
  EXPECT_EQ(answer.substr(tunnel.head_end), "\x81\x05hello") << "bytes right behind the 101 come through";
  EXPECT_EQ(tier.counters().tunnels_opened.load(), 1u);

  const std::size_t before = tunnel.backend.received().size();
  ASSERT_TRUE(tunnel.client.send("\x81\x85masked-frame"));
  tier.settle();
  EXPECT_EQ(tunnel.backend.received().substr(before), "\x81\x85masked-frame");
  ASSERT_TRUE(tunnel.backend.send("more"));
  tier.settle();
  EXPECT_EQ(tunnel.client.received().substr(tunnel.head_end), "\x81\x05hellomore");

  // The backend ends its side: the client sees the end, and may still send its last words.
  tunnel.backend.shutdown_write();
  tier.settle();
  EXPECT_TRUE(tunnel.client.hung_up());
  ASSERT_TRUE(tunnel.client.send("bye"));
  tier.settle();
  EXPECT_TRUE(contains(tunnel.backend.received(), "bye"));
  tunnel.client.close();
  tier.settle();
  EXPECT_TRUE(tunnel.backend.hung_up());
  EXPECT_EQ(tier.counters().tunnels_closed.load(), 1u);
  const auto lines = tier.access_log();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["status"], 101);
  EXPECT_EQ(lines[0]["bytes_in"], 14 + 3);
  EXPECT_EQ(lines[0]["bytes_out"], 7 + 4);
  tunnel.backend.close();
  tier.expect_nothing_leaked();
}

// A peer's last bytes and its FIN often arrive in one readable event: the tunnel still ends.
TEST(Upgrade, LastBytesAndACloseArrivingTogetherAreBothPassedOn) {
  SessionTier tier;
  Tunnel tunnel = open_tunnel(tier);
  ASSERT_TRUE(tunnel.backend.send("\x88\x02\x03\xe8"));  // a close frame, then at once the FIN
  tunnel.backend.shutdown_write();
  tier.settle();
  EXPECT_EQ(tunnel.client.received().substr(tunnel.head_end), "\x88\x02\x03\xe8");
  EXPECT_TRUE(tunnel.client.hung_up());
  tunnel.client.close();
  tier.settle();
  EXPECT_TRUE(tunnel.backend.hung_up());
  EXPECT_EQ(tier.counters().tunnels_closed.load(), 1u);
  tunnel.backend.close();
  tier.expect_nothing_leaked();
}

TEST(Upgrade, AResetOnEitherSideEndsTheTunnel) {
  SessionTier tier;
  Tunnel tunnel = open_tunnel(tier);
  tunnel.backend.reset();
  tier.settle();
  EXPECT_TRUE(tunnel.client.hung_up());
  EXPECT_EQ(tier.counters().tunnels_closed.load(), 1u);
  EXPECT_EQ(tier.access_log().back().value("error", ""), "tunnel_reset");
  tunnel.client.close();
  tier.expect_nothing_leaked();
}

TEST(Upgrade, ATunnelIdleForUpgradeIdleTimeoutIsClosed) {
  TierOptions options;
  options.extra_yaml = "limits: { upgrade_idle_timeout: 5s }\n";
  SessionTier tier(options);
  Tunnel tunnel = open_tunnel(tier);
  tier.advance(4s);
  ASSERT_TRUE(tunnel.backend.send("ping"));  // one way only: the tunnel is not idle
  tier.settle();
  tier.advance(4s);
  EXPECT_FALSE(tunnel.client.hung_up()) << "4 s since the last byte";
  EXPECT_FALSE(tunnel.backend.hung_up());
  tier.advance(1s + 30ms);
  EXPECT_TRUE(tunnel.client.hung_up());
  EXPECT_TRUE(tunnel.backend.hung_up());
  EXPECT_EQ(tier.access_log().back().value("error", ""), "tunnel_idle_timeout");
  tunnel.client.close();
  tunnel.backend.close();
  tier.expect_nothing_leaked();
}

TEST(Upgrade, ABackendThatDeclinesIsRelayedAsAnyAnswer) {
  SessionTier tier;
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(kHandshake));
  Peer backend = tier.accept_backend();
  ASSERT_TRUE(backend.send("HTTP/1.1 426 Upgrade Required\r\nContent-Length: 2\r\n\r\nno"));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 426u);
  EXPECT_EQ(tier.counters().tunnels_opened.load(), 0u);
}

TEST(Upgrade, ARouteWithoutUpgradesAnswers501WithAReason) {
  TierOptions options;
  options.route = "{ id: api, match: { prefix: / }, backend: app, upgrades: [] }";
  SessionTier tier(options);
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send(kHandshake));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 501u);
  EXPECT_TRUE(contains(client.received(), "\"upgrade_not_allowed\""));
  EXPECT_TRUE(contains(client.received(), "does not switch protocols to 'websocket'"));
  EXPECT_FALSE(tier.backend_connection_pending());
  EXPECT_EQ(tier.local_replies(metrics::LocalReason::upgrade_not_allowed), 1u);
  // The connection carries on: the client asked, nothing switched.
  ASSERT_TRUE(client.send(get_request("/after")));
  Peer backend = tier.accept_backend();
  EXPECT_EQ(requests_in(backend.received()), 1u);
}

TEST(Upgrade, AProtocolTheRouteDoesNotListAnswers501) {
  SessionTier tier;
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: IRC/6.9, websocket\r\n\r\n"));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 501u);
  EXPECT_TRUE(contains(client.received(), "'IRC/6.9'"));
}

TEST(Upgrade, AnUpgradeWithABodyAnswers501) {
  SessionTier tier;
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send("POST / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 2\r\n\r\nhi"));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 501u);
  EXPECT_FALSE(tier.backend_connection_pending());
}

// curl --http2 on http:// asks for h2c on every request: answered in HTTP/1.1, Upgrade dropped.
TEST(Upgrade, H2cIsAnsweredInHttp11) {
  SessionTier tier;
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send("GET /h HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                          "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"));
  Peer backend = tier.accept_backend();
  EXPECT_FALSE(contains(backend.received(), "Upgrade")) << backend.received();
  EXPECT_FALSE(contains(backend.received(), "HTTP2-Settings")) << "named in Connection: hop-by-hop";
  ASSERT_TRUE(backend.send(ok_response()));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 200u);
}

// An Upgrade header without Connection: upgrade asks for nothing (RFC 9110 7.8).
TEST(Upgrade, AnUpgradeHeaderAloneIsDropped) {
  SessionTier tier;
  Peer client = tier.connect_client();
  ASSERT_TRUE(client.send("GET /h HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n"));
  Peer backend = tier.accept_backend();
  EXPECT_FALSE(contains(backend.received(), "Upgrade"));
  ASSERT_TRUE(backend.send(ok_response()));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 200u);
}

}  // namespace
}  // namespace cutover::session_test
