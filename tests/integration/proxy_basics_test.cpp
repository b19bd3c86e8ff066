// What a client and a backend see of an ordinary proxied request: methods, keep-alive on both
// sides, bodiless responses, header rewriting (hop-by-hop, X-Forwarded-*, X-Request-Id) and the
// normalized path.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/patterns.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

namespace cutover::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using ::testing::IsEmpty;

class ProxyBasics : public ::testing::Test {
 protected:
  void SetUp() override {
    app_ = Upstream::start("app");
    gateway_ = Gateway::launch(yaml_prologue() +
                               "backends:\n"
                               "  app: { endpoints: [" + app_->address() + "] }\n"
                               "routes:\n"
                               "  - id: all\n"
                               "    match: { prefix: / }\n"
                               "    backend: app\n");
  }

  std::uint16_t port() const { return gateway_->port(); }

  std::unique_ptr<Upstream> app_;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(ProxyBasics, MethodsRoundTrip) {
  HttpConnection c(port());
  for (const std::string& method : std::vector<std::string>{"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    const auto r = c.request({.method = method, .target = "/things/1?v=2"});
    ASSERT_EQ(r.status, 200) << method << " " << r.error.message();
    EXPECT_EQ(served_by(r), "app");
    const auto body = parse_json(r.body);
    ASSERT_TRUE(body) << r.body;
    EXPECT_EQ((*body)["method"], method);
    EXPECT_EQ((*body)["target"], "/things/1?v=2");
  }
  // Bodies arrive intact, with either framing.
  auto r = c.request({.method = "POST", .target = "/echo", .body = "hello, backend"});
  ASSERT_EQ(r.status, 200) << r.error.message();
  EXPECT_EQ(r.body, "hello, backend");
  r = c.request({.method = "PUT", .target = "/sink", .body = pattern_string(100'000), .chunked = true});
  ASSERT_EQ(r.status, 200) << r.error.message();
  const auto sink = parse_json(r.body);
  ASSERT_TRUE(sink) << r.body;
  EXPECT_EQ((*sink)["bytes"], 100'000);
  EXPECT_EQ((*sink)["checksum"], pattern_checksum(100'000));
  EXPECT_EQ((*sink)["chunked"], true);
  r = c.request({.method = "DELETE", .target = "/echo", .body = "gone"});
  EXPECT_EQ(r.body, "gone");
}

TEST_F(ProxyBasics, ClientKeepAliveServesManyRequestsOnOneConnection) {
  HttpConnection c(port());
  const auto local = c.local_port();
  for (int i = 0; i < 200; ++i) {
    const auto r = c.get("/k/" + std::to_string(i));
    ASSERT_EQ(r.status, 200) << "request " << i << ": " << r.error.message();
    ASSERT_TRUE(r.keep_alive) << "request " << i;
    ASSERT_EQ(upstream_target(r), "/k/" + std::to_string(i));
  }
  EXPECT_EQ(c.local_port(), local);
  EXPECT_FALSE(c.closed_by_peer(50ms));
  EXPECT_EQ(app_->hits("/k/199"), 1u);
}

TEST_F(ProxyBasics, BodiesOfEverySizeArriveIntactOnOneConnection) {
  // Around the size up to which a whole answer's body is written with its head as one buffer
  // (kBodyAfterHeadBytes, 4 KiB) and the relay buffer's (64 KiB), in both orders, so a body
  // following a larger or smaller one on the same connection is checked too.
  HttpConnection c(port());
  for (std::uint64_t n : {0, 1, 100, 4095, 4096, 4097, 65536, 65537, 4096, 1, 0, 70000, 2}) {
    const auto r = c.get("/bytes?n=" + std::to_string(n));
    ASSERT_EQ(r.status, 200) << n << ": " << r.error.message();
    ASSERT_EQ(r.body.size(), n);
    ASSERT_EQ(r.body, pattern_string(n)) << n;
    ASSERT_TRUE(r.keep_alive) << n;
  }
}

TEST_F(ProxyBasics, UpstreamConnectionsArePooled) {
  // 100 sequential requests (two client connections, so both workers may serve): a gateway that
  // opened one upstream connection per request would leave ~100 sockets (TIME_WAIT) to the port.
  for (int round = 0; round < 2; ++round) {
    HttpConnection c(port());
    for (int i = 0; i < 50; ++i) ASSERT_EQ(c.get("/pool").status, 200) << i;
  }
  for (int i = 0; i < 20; ++i) ASSERT_EQ(http_get(port(), "/pool-fresh-client").status, 200) << i;
  EXPECT_EQ(app_->total_requests(), 120u);
  // A small allowance for the two workers and /__stats' own connections.
  EXPECT_LE(tcp_sockets_to_port(app_->port), 8u) << "upstream connections are not reused";
}

TEST_F(ProxyBasics, HeadHasContentLengthAndNoBody) {
  HttpConnection c(port());
  auto r = c.request({.method = "HEAD", .target = "/bytes?n=12345"});
  ASSERT_EQ(r.status, 200) << r.error.message();
  EXPECT_EQ(r.header("Content-Length"), "12345");
  EXPECT_THAT(r.body, IsEmpty());
  r = c.request({.method = "HEAD", .target = "/bytes?n=70000&chunked=1"});
  ASSERT_EQ(r.status, 200) << r.error.message();
  EXPECT_THAT(r.body, IsEmpty());
  // Nothing of either HEAD was left on the connection.
  r = c.get("/bytes?n=1000");
  ASSERT_EQ(r.status, 200) << r.error.message();
  EXPECT_EQ(r.body, pattern_string(1000));
}

TEST_F(ProxyBasics, BodilessStatusesKeepTheConnectionUsable) {
  HttpConnection c(port());
  for (const int code : {204, 304, 204}) {
    const auto r = c.get("/status/" + std::to_string(code));
    ASSERT_EQ(r.status, code) << r.error.message();
    EXPECT_THAT(r.body, IsEmpty());
    EXPECT_FALSE(r.header("Content-Length") && code == 204) << "204 must not carry Content-Length";
    EXPECT_FALSE(r.chunked) << code << " must not be chunked";
    EXPECT_TRUE(r.keep_alive);
    const auto next = c.get("/after-" + std::to_string(code));
    ASSERT_EQ(next.status, 200) << "after " << code << ": " << next.error.message();
    EXPECT_EQ(upstream_target(next), "/after-" + std::to_string(code));
  }
  // Upstream error statuses are relayed as they are, body included.
  const auto r = c.get("/status/503");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(served_by(r), "app");
  EXPECT_THAT(r.body, ::testing::HasSubstr("503"));
}

TEST_F(ProxyBasics, HopByHopHeadersAreRemoved) {
  const auto r = http_request(port(), {.target = "/headers",
                                       .headers = {{"Connection", "X-Foo, keep-alive"},
                                                   {"X-Foo", "1"},
                                                   {"Keep-Alive", "timeout=5"},
                                                   {"TE", "trailers"},
                                                   {"Upgrade", "h2c"},
                                                   {"Proxy-Connection", "keep-alive"},
                                                   {"Proxy-Authorization", "Basic Zm9vOmJhcg=="},
                                                   {"X-Kept", "yes"}}});
  ASSERT_EQ(r.status, 200) << r.error.message();
  const auto seen = upstream_headers(r);
  ASSERT_FALSE(seen.empty()) << r.body;
  for (const auto* name : {"X-Foo", "Keep-Alive", "TE", "Upgrade", "Proxy-Connection", "Proxy-Authorization"}) {
    EXPECT_FALSE(find_header(seen, name)) << name << " reached the backend";
  }
  // The gateway may send its own "Connection: keep-alive" upstream, never the client's list.
  for (const auto& value : find_headers(seen, "Connection")) {
    EXPECT_THAT(value, ::testing::Not(::testing::HasSubstr("X-Foo")));
  }
  EXPECT_EQ(find_header(seen, "X-Kept"), "yes");
}

TEST_F(ProxyBasics, ForwardedHeadersAreSetAndClientCopiesReplaced) {
  const auto r = http_request(port(), {.target = "/headers",
                                       .headers = {{"Host", "shop.example:8443"},
                                                   {"X-Forwarded-For", "6.6.6.6"},
                                                   {"X-Forwarded-Proto", "https"},
                                                   {"X-Forwarded-Host", "evil.example"}}});
  ASSERT_EQ(r.status, 200) << r.error.message();
  const auto seen = upstream_headers(r);
  EXPECT_EQ(find_headers(seen, "X-Forwarded-For"), std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(find_headers(seen, "X-Forwarded-Proto"), std::vector<std::string>{"http"});
  EXPECT_EQ(find_headers(seen, "X-Forwarded-Host"), std::vector<std::string>{"shop.example:8443"});
  EXPECT_EQ(find_headers(seen, "Host"), std::vector<std::string>{"shop.example:8443"});
}

TEST_F(ProxyBasics, RequestIdIsKeptWhenValidAndReplacedOtherwise) {
  const std::regex valid_id("^[A-Za-z0-9._:-]{1,128}$");
  const auto seen_id = [&](const std::string& sent) {
    const auto r = http_request(port(), {.target = "/headers", .headers = {{"X-Request-Id", sent}}});
    EXPECT_EQ(r.status, 200) << r.error.message();
    const auto ids = find_headers(upstream_headers(r), "X-Request-Id");
    EXPECT_EQ(ids.size(), 1u) << r.body;
    return ids.empty() ? std::string{} : ids.front();
  };
  EXPECT_EQ(seen_id("abc-123.X_y:z"), "abc-123.X_y:z");
  const std::string max_len(128, 'a');
  EXPECT_EQ(seen_id(max_len), max_len);
  for (const std::string& bad : {std::string("has space"), std::string(200, 'b'), std::string(129, 'c'),
                                std::string("quote\"d"), std::string("semi;colon")}) {
    const auto id = seen_id(bad);
    EXPECT_NE(id, bad);
    EXPECT_TRUE(std::regex_match(id, valid_id)) << "generated id '" << id << "'";
  }
  // No id at all: one is generated, and two requests never share it.
  const auto a = find_header(upstream_headers(http_get(port(), "/headers")), "X-Request-Id");
  const auto b = find_header(upstream_headers(http_get(port(), "/headers")), "X-Request-Id");
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(std::regex_match(*a, valid_id)) << *a;
  EXPECT_NE(*a, *b);
}

TEST_F(ProxyBasics, BackendReceivesTheNormalizedPathAndTheQueryUntouched) {
  HttpConnection c(port());
  const std::vector<std::pair<std::string, std::string>> cases{
      {"/a/./b/../c//d", "/a/c/d"},
      {"/a/./b/../c//d?x=1&y=%2f%20&z", "/a/c/d?x=1&y=%2f%20&z"},
      {"/%41%62c", "/Abc"},
      {"/api/notes/../admin", "/api/admin"},
      {"/q?", "/q?"},
      {"/q?a=/../b", "/q?a=/../b"},
  };
  for (const auto& [sent, expected] : cases) {
    const auto r = c.get(sent);
    ASSERT_EQ(r.status, 200) << sent << ": " << r.error.message() << " " << r.body;
    EXPECT_EQ(upstream_target(r), expected) << "sent " << sent;
  }
}

TEST_F(ProxyBasics, PipelinedRequestsAreAnsweredInOrder) {
  HttpConnection c(port());
  ASSERT_FALSE(c.send_raw("GET /p1 HTTP/1.1\r\nHost: x\r\n\r\n"
                          "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                          "GET /p3 HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_EQ(r.status, 200) << r.error.message();
  EXPECT_EQ(upstream_target(r), "/p1");
  r = c.read_response();
  ASSERT_EQ(r.status, 200) << r.error.message();
  EXPECT_EQ(r.body, "hello");
  r = c.read_response();
  ASSERT_EQ(r.status, 200) << r.error.message();
  EXPECT_EQ(upstream_target(r), "/p3");
}

TEST_F(ProxyBasics, ChunkExtensionsAndTrailersKeepTheConnectionInSync) {
  HttpConnection c(port());
  ASSERT_FALSE(c.send_raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
                          "GET /next HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_EQ(r.status, 200) << r.error.message();
  EXPECT_EQ(r.body, "hello world");
  r = c.read_response();
  ASSERT_EQ(r.status, 200) << r.error.message();
  EXPECT_EQ(upstream_target(r), "/next");
}

TEST_F(ProxyBasics, Http10ClientGetsACompleteBodyAndAClose) {
  // A chunked upstream body cannot go to an HTTP/1.0 client as chunks.
  HttpConnection c(port());
  ASSERT_FALSE(c.send_raw("GET /bytes?n=70000&chunked=1 HTTP/1.0\r\n\r\n"));
  const auto r = c.read_response();
  ASSERT_EQ(r.status, 200) << r.error.message();
  EXPECT_EQ(r.version, 10u);
  EXPECT_FALSE(r.chunked);
  EXPECT_EQ(r.body.size(), 70000u);
  EXPECT_EQ(r.body, pattern_string(70000));
  EXPECT_TRUE(c.closed_by_peer());

  // Asking for keep-alive changes nothing about the framing an HTTP/1.0 client can read.
  HttpConnection alive(port());
  ASSERT_FALSE(alive.send_raw("GET /bytes?n=5000&chunked=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  const auto k = alive.read_response();
  ASSERT_EQ(k.status, 200) << k.error.message();
  EXPECT_FALSE(k.chunked);
  EXPECT_EQ(k.body, pattern_string(5000));
  if (k.keep_alive) {
    ASSERT_FALSE(alive.send_raw("GET /again HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    EXPECT_EQ(alive.read_response().status, 200);
  }
}

TEST_F(ProxyBasics, ConnectionCloseFromTheClientIsHonoured) {
  HttpConnection c(port());
  const auto r = c.get("/bye", {{"Connection", "close"}});
  ASSERT_EQ(r.status, 200) << r.error.message();
  EXPECT_FALSE(r.keep_alive);
  EXPECT_FALSE(c.is_open());
  EXPECT_EQ(http_get(port(), "/still-there").status, 200);
}

}  // namespace
}  // namespace cutover::test
