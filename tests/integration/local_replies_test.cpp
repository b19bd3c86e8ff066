// Everything the gateway answers itself (README "What the gateway answers itself"): the JSON
// shape, the status for each failure, and that the gateway keeps serving after each of them.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr auto kMaxBody = 1024 * 1024;

class LocalReplies : public ::testing::Test {
 protected:
  void SetUp() override {
    app_ = Upstream::start("app");
    // A port nothing listens on: start an upstream, keep its port, stop it.
    auto gone = Upstream::start("gone");
    dead_port_ = gone->port;
    gone->stop();
    gateway_ = Gateway::launch(yaml_prologue(2, true) +
                               "limits: { max_header_bytes: 8KiB, max_body_bytes: 1MiB, header_timeout: 300ms }\n"
                               "backends:\n"
                               "  app: { endpoints: [" + app_->address() + "] }\n"
                               "  slow: { endpoints: [" + app_->address() + "], timeout: 300ms }\n"
                               "  dead: { endpoints: [127.0.0.1:" + std::to_string(dead_port_) + "], connect_timeout: 1s }\n"
                               "routes:\n"
                               "  - { id: api, match: { prefix: /api }, backend: app }\n"
                               "  - { id: raw, match: { prefix: /raw }, backend: app }\n"
                               "  - { id: close, match: { path: /close }, backend: app }\n"
                               "  - { id: garbage, match: { path: /garbage }, backend: app }\n"
                               "  - { id: sink, match: { path: /sink }, backend: app }\n"
                               "  - { id: delay, match: { path: /delay }, backend: app }\n"
                               "  - { id: slow, match: { path: /delay, host: slow.test }, backend: slow }\n"
                               "  - { id: dead, match: { prefix: /dead }, backend: dead }\n");
  }

  std::uint16_t port() const { return gateway_->port(); }

  // The gateway is alive and still proxies.
  void expect_still_serving() {
    EXPECT_TRUE(gateway_->process().running()) << gateway_->process().output();
    const auto r = http_get(port(), "/api/alive");
    EXPECT_EQ(r.status, 200) << r.error.message();
    EXPECT_EQ(served_by(r), "app");
  }

  // A local reply: JSON with error/status/message/request_id, the id also in X-Request-Id.
  static void expect_local_reply(const Response& r, int status, const std::string& error) {
    ASSERT_EQ(r.status, status) << r.error.message() << " " << r.body;
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    EXPECT_FALSE(r.header("X-Served-By")) << "the backend answered, not the gateway";
    const auto body = parse_json(r.body);
    ASSERT_TRUE(body) << r.body;
    EXPECT_EQ((*body)["error"], error) << r.body;
    EXPECT_EQ((*body)["status"], status);
    EXPECT_TRUE((*body)["message"].is_string() && !(*body)["message"].get<std::string>().empty()) << r.body;
    ASSERT_TRUE((*body)["request_id"].is_string()) << r.body;
    EXPECT_EQ(r.header("X-Request-Id"), (*body)["request_id"].get<std::string>());
  }

  std::unique_ptr<Upstream> app_;
  std::uint16_t dead_port_ = 0;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(LocalReplies, NoRouteIs404JsonWithTheRequestId) {
  HttpConnection c(port());
  auto r = c.get("/nope");
  expect_local_reply(r, 404, "no_route");
  EXPECT_THAT(parse_json(r.body).value_or(nullptr)["message"].dump(), HasSubstr("/nope"));
  // A valid client id is the reply's id; the connection stays usable after a 404.
  r = c.get("/nope/again", {{"X-Request-Id", "trace-42"}});
  expect_local_reply(r, 404, "no_route");
  EXPECT_EQ(r.header("X-Request-Id"), "trace-42");
  EXPECT_EQ(parse_json(r.body).value_or(nullptr)["request_id"], "trace-42");
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(c.get("/api/x").status, 200);
  // An invalid one is replaced in the reply too.
  r = c.get("/nope", {{"X-Request-Id", "bad id"}});
  expect_local_reply(r, 404, "no_route");
  EXPECT_NE(r.header("X-Request-Id"), "bad id");
  // The access log has the same id.
  EXPECT_TRUE(wait_until([&] { return gateway_->access_log().find("trace-42") != std::string::npos; }, 5s))
      << gateway_->access_log();
}

TEST_F(LocalReplies, ClosedBackendPortIs502) {
  const auto start = std::chrono::steady_clock::now();
  expect_local_reply(http_get(port(), "/dead/x"), 502, "upstream_unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s) << "a refused connect should fail at once";
  expect_local_reply(http_request(port(), {.method = "POST", .target = "/dead/y", .body = "data"}), 502,
                     "upstream_unavailable");
  expect_still_serving();
}

TEST_F(LocalReplies, UpstreamHangingUpOrSendingGarbageIs502) {
  expect_local_reply(http_get(port(), "/close"), 502, "upstream_unavailable");
  expect_local_reply(http_get(port(), "/garbage"), 502, "upstream_unavailable");
  // On a keep-alive client connection too, and it stays usable.
  HttpConnection c(port());
  expect_local_reply(c.get("/close"), 502, "upstream_unavailable");
  EXPECT_EQ(c.get("/api/after-close").status, 200);
  expect_still_serving();
}

TEST_F(LocalReplies, SlowBackendIs504AfterItsTimeout) {
  const auto start = std::chrono::steady_clock::now();
  const auto r = http_get(port(), "/delay?ms=2000", {{"Host", "slow.test"}});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  expect_local_reply(r, 504, "upstream_timeout");
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 1500ms) << "the 300ms backend timeout was not applied";
  // The same path on the backend with the default timeout waits and succeeds.
  EXPECT_EQ(http_get(port(), "/delay?ms=400").status, 200);
  expect_still_serving();
}

TEST_F(LocalReplies, OversizedHeaderIs431) {
  HttpConnection c(port());
  ASSERT_FALSE(c.send_raw("GET /api/big HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(16 * 1024, 'a') + "\r\n\r\n"));
  expect_local_reply(c.read_response(), 431, "header_too_large");
  EXPECT_TRUE(c.closed_by_peer(2s));
  // Just under the limit is fine.
  EXPECT_EQ(http_get(port(), "/api/ok", {{"X-Big", std::string(6 * 1024, 'a')}}).status, 200);
  EXPECT_EQ(app_->hits("/api/big"), 0u);
  expect_still_serving();
}

// A keep-alive connection that was idle across a reload reads its next request under the new
// limits: the session takes them when the request starts, not when its idle wait began.
TEST(LocalRepliesAcrossReload, AnIdleConnectionsNextRequestIsReadUnderTheReloadedLimits) {
  auto app = Upstream::start("app");
  const auto config = [&](const std::string& max_header) {
    return yaml_prologue(1) + "limits: { max_header_bytes: " + max_header + " }\n" +
           "backends:\n  app: { endpoints: [" + app->address() + "] }\n" +
           "routes:\n  - { id: all, match: { prefix: / }, backend: app }\n";
  };
  auto gw = Gateway::launch(config("16KiB"));
  HttpConnection idle(gw->port());
  ASSERT_EQ(idle.get("/before").status, 200);  // the connection now waits for its next request
  const auto generation = [&] {
    const auto r = http_get(gw->admin_port(), "/metrics");
    EXPECT_EQ(r.status, 200) << r.error.message();
    return metric_value(r.body, "cutover_config_generation").value_or(-1);
  };
  const double before = generation();
  gw->write_config(config("2KiB"));
  ASSERT_TRUE(gw->process().send_signal(SIGHUP));
  ASSERT_TRUE(wait_until([&] { return generation() > before; }, 10s));
  ASSERT_FALSE(idle.send_raw("GET /after HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4 * 1024, 'a') + "\r\n\r\n"));
  const auto r = idle.read_response();
  ASSERT_EQ(r.status, 431) << r.error.message() << " " << r.body;
  const auto body = parse_json(r.body);
  ASSERT_TRUE(body) << r.body;
  EXPECT_EQ((*body)["error"], "header_too_large");
  EXPECT_THAT((*body)["message"].get<std::string>(), HasSubstr("2048 bytes"));
  EXPECT_EQ(app->hits("/after"), 0u);
}

struct BadRequest {
  const char* name;
  std::string bytes;
};

TEST_F(LocalReplies, MalformedRequestsAre400AndNeverForwarded) {
  const std::vector<BadRequest> cases{
      {"bad request line", "GET /raw/1 HTTP/1.1 extra\r\nHost: x\r\n\r\n"},
      {"not HTTP at all", "HELLO\r\n\r\n"},
      {"bad version", "GET /raw/2 HTTP/9.9\r\nHost: x\r\n\r\n"},
      {"Content-Length and Transfer-Encoding",
       "POST /raw/3 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
      {"two different Content-Lengths", "POST /raw/4 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"},
      {"Content-Length list", "POST /raw/5 HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nhello!"},
      {"chunked not the last coding",
       "POST /raw/13 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"},
      {"unknown transfer coding", "POST /raw/14 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"},
      {"signed Content-Length", "POST /raw/15 HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello"},
      {"negative Content-Length", "POST /raw/6 HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"},
      {"invalid chunk size", "POST /raw/7 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"},
      {"bare LF line ends", "GET /raw/8 HTTP/1.1\nHost: x\n\n"},
      {"space before colon", "GET /raw/9 HTTP/1.1\r\nHost : x\r\n\r\n"},
      {"missing Host in HTTP/1.1", "GET /raw/10 HTTP/1.1\r\nAccept: */*\r\n\r\n"},
      {"two Host headers", "GET /raw/11 HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n"},
      {"absolute-form target naming another host", "GET http://evil.example/raw/12 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"},
      {"asterisk-form target", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"path with %00", "GET /raw/%00 HTTP/1.1\r\nHost: x\r\n\r\n"},
  };
  for (const auto& bad : cases) {
    SCOPED_TRACE(bad.name);
    HttpConnection c(port(), 5s);
    ASSERT_FALSE(c.send_raw(bad.bytes));
    const auto r = c.read_response();
    EXPECT_EQ(r.status, 400) << r.error.message() << " " << r.body;
    if (r.status == 400) {
      const auto body = parse_json(r.body);
      ASSERT_TRUE(body) << r.body;
      EXPECT_THAT((*body)["error"].get<std::string>(), ::testing::AnyOf("bad_request", "invalid_path", "bad_host"));
    }
    EXPECT_TRUE(c.closed_by_peer(2s)) << "the connection must close after a 400";
    EXPECT_TRUE(gateway_->process().running()) << gateway_->process().output();
  }
  // None of them reached the backend (each one names its own /raw/N path).
  const auto stats = app_->stats_json();
  EXPECT_THAT(stats, ::testing::Not(HasSubstr("/raw"))) << stats;
  expect_still_serving();
}

TEST_F(LocalReplies, BodyOverTheLimitIs413) {
  HttpConnection c(port());
  ASSERT_FALSE(c.send_raw("POST /sink HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kMaxBody + 1) +
                          "\r\n\r\n"));
  expect_local_reply(c.read_response(), 413, "body_too_large");
  EXPECT_TRUE(c.closed_by_peer(2s));
  EXPECT_EQ(app_->hits("/sink"), 0u) << "an oversized body was forwarded";
  // Exactly the limit passes.
  const auto ok = stream_upload(port(), "/sink", kMaxBody, false);
  ASSERT_EQ(ok.status, 200) << ok.error.message();
  EXPECT_EQ(parse_json(ok.body).value_or(nullptr)["bytes"], kMaxBody);
  expect_still_serving();
}

TEST_F(LocalReplies, ChunkedBodyOverTheLimitIs413) {
  const auto r = stream_upload(port(), "/sink", 3 * kMaxBody, true, {}, 20s);
  EXPECT_EQ(r.status, 413) << r.error.message() << " " << r.body;
  // The backend never got a complete body.
  EXPECT_THAT(app_->stats_json(), ::testing::Not(HasSubstr("\"bytes\": 3145728")));
  expect_still_serving();
}

TEST_F(LocalReplies, ExpectContinueIsNotSentWhenTheAnswerIsAnError) {
  // The client waits for 100 before sending the body; an error must come instead of it. A body
  // to be streamed (over limits.request_buffer) is asked for once a backend connection is there.
  HttpConnection dead(port(), 5s);
  ASSERT_FALSE(dead.send_raw("POST /dead/x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 100000\r\n\r\n"));
  expect_local_reply(dead.read_response(), 502, "upstream_unavailable");
  // One to be buffered is asked for at once, read whole, and only then does a backend fail it.
  HttpConnection buffered(port(), 5s);
  ASSERT_FALSE(buffered.send_raw("POST /dead/x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  ASSERT_EQ(buffered.read_response().status, 100);
  ASSERT_FALSE(buffered.send_raw("hello"));
  expect_local_reply(buffered.read_response(), 502, "upstream_unavailable");

  HttpConnection big(port(), 5s);
  ASSERT_FALSE(big.send_raw("POST /sink HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
                            std::to_string(kMaxBody + 1) + "\r\n\r\n"));
  expect_local_reply(big.read_response(), 413, "body_too_large");

  HttpConnection nowhere(port(), 5s);
  ASSERT_FALSE(nowhere.send_raw("POST /nope HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  expect_local_reply(nowhere.read_response(), 404, "no_route");
  expect_still_serving();
}

TEST_F(LocalReplies, StalledHeaderIs408) {
  HttpConnection c(port(), 5s);
  ASSERT_FALSE(c.send_raw("GET /api/slowloris HTTP/1.1\r\nHost: x\r\n"));
  const auto start = std::chrono::steady_clock::now();
  const auto r = c.read_response();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  expect_local_reply(r, 408, "client_timeout");
  EXPECT_LT(elapsed, 2s) << "header_timeout is 300ms";
  EXPECT_TRUE(c.closed_by_peer(2s));
  // A connection that never sends anything is closed too.
  HttpConnection silent(port(), 5s);
  EXPECT_TRUE(silent.closed_by_peer(3s));
  EXPECT_EQ(app_->hits("/api/slowloris"), 0u);
  expect_still_serving();
}

TEST_F(LocalReplies, ManyBadRequestsInARowLeaveTheGatewayHealthy) {
  for (int i = 0; i < 50; ++i) {
    HttpConnection c(port(), 5s);
    ASSERT_FALSE(c.send_raw(i % 2 ? "POST /raw HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
                                  : "\x01\x02\x03 garbage\r\n\r\n"));
    ASSERT_EQ(c.read_response().status, 400) << i;
  }
  expect_still_serving();
}

}  // namespace
}  // namespace cutover::test
