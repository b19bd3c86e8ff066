// Backend endpoints and connections (README "backends.NAME" and "What backends receive"): round
// robin, next endpoint on a refused connect, pooled connections surviving a backend restart
// (retry only when safe, DESIGN.md invariant 5), and the client-side idle and body timeouts.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/patterns.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <map>
#include <thread>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;

// A port nothing listens on: bound but never listening, so connecting to it is refused, and held
// for the test's lifetime so that no other process (tests run in parallel) can take it meanwhile,
// as it could a port that was merely closed.
class RefusingPort {
 public:
  RefusingPort() : socket_(io_) {
    socket_.open(boost::asio::ip::tcp::v4());
    socket_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
  }
  std::uint16_t port() const { return socket_.local_endpoint().port(); }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
};

std::string one_route(const std::string& backend) {
  return "routes:\n  - { id: all, match: { prefix: / }, backend: " + backend + " }\n";
}

TEST(Backends, RequestsGoRoundRobinAcrossEndpoints) {
  auto a = Upstream::start("a");
  auto b = Upstream::start("b");
  auto gw = Gateway::launch(yaml_prologue(1) + "backends:\n  app: { endpoints: [" + a->address() + ", " +
                            b->address() + "] }\n" + one_route("app"));
  HttpConnection c(gw->port());
  std::map<std::string, int> served;
  for (int i = 0; i < 20; ++i) {
    const auto r = c.get("/rr");
    ASSERT_EQ(r.status, 200) << r.error.message();
    ++served[served_by(r)];
  }
  EXPECT_EQ(served["a"], 10);
  EXPECT_EQ(served["b"], 10);
}

TEST(Backends, RefusedEndpointFallsThroughToTheNextOne) {
  auto alive = Upstream::start("alive");
  const RefusingPort refusing;
  auto gw = Gateway::launch(yaml_prologue(1) + "backends:\n  app: { endpoints: [127.0.0.1:" +
                            std::to_string(refusing.port()) + ", " + alive->address() + "] }\n" + one_route("app"));
  for (int i = 0; i < 10; ++i) {
    const auto r = http_request(gw->port(), {.method = i % 2 ? "POST" : "GET", .target = "/x", .body = i % 2 ? "b" : ""});
    EXPECT_EQ(r.status, 200) << "request " << i << ": " << r.error.message() << " " << r.body;
    EXPECT_EQ(served_by(r), "alive");
  }
  EXPECT_EQ(alive->hits("/x"), 10u);
}

TEST(Backends, BackendRestartIsInvisibleToClients) {
  auto app = Upstream::start("app");
  auto gw = Gateway::launch(yaml_prologue(1) + "backends:\n  app: { endpoints: [" + app->address() + "] }\n" +
                            one_route("app"));
  HttpConnection c(gw->port());
  for (int i = 0; i < 5; ++i) ASSERT_EQ(c.get("/warm").status, 200);
  // The pooled connection is now closed by the backend: a GET is retried on a new connection.
  app->restart();
  auto r = c.get("/after-restart");
  EXPECT_EQ(r.status, 200) << r.error.message() << " " << r.body;
  EXPECT_EQ(app->hits("/after-restart"), 1u);
  // A request with a body never goes out on a dead pooled connection.
  app->restart();
  r = c.request({.method = "POST", .target = "/echo", .body = "precious"});
  EXPECT_EQ(r.status, 200) << r.error.message() << " " << r.body;
  EXPECT_EQ(r.body, "precious");
  app->restart();
  const auto s = stream_upload(gw->port(), "/sink", 5'000'000, true);
  ASSERT_EQ(s.status, 200) << s.error.message() << " " << s.body;
  EXPECT_EQ(parse_json(s.body).value_or(nullptr)["checksum"], pattern_checksum(5'000'000));
  // A backend that is down while the request arrives is a 502, and coming back heals it.
  app->stop();
  EXPECT_EQ(c.get("/down").status, 502);
  app->restart();
  EXPECT_EQ(c.get("/up-again").status, 200);
}

TEST(Backends, ARetriedRequestCarriesTheSameRewrittenHead) {
  // The head for the backend is given back once sent and written again for the retry: the
  // backend must see exactly what the first attempt would have carried.
  auto app = Upstream::start("app");
  auto gw = Gateway::launch(yaml_prologue(1) + "backends:\n  app: { endpoints: [" + app->address() + "] }\n" +
                            one_route("app"));
  HttpConnection c(gw->port());
  const Request request{.target = "/headers?q=1",
                        .headers = {{"Host", "app.example"}, {"X-Request-Id", "retry-0123456789"},
                                    {"Accept", "text/plain"}, {"Connection", "keep-alive, X-Drop"}, {"X-Drop", "1"}}};
  const auto first = c.request(request);
  ASSERT_EQ(first.status, 200) << first.error.message() << " " << first.body;
  const auto retries = [&] {
    return metric_value(http_get(gw->admin_port(), "/metrics").body, "cutover_upstream_retries_total").value_or(-1);
  };
  const double retries_before = retries();
  app->restart();  // the pooled connection is dead: the next request goes out twice
  const auto retried = c.request(request);
  ASSERT_EQ(retried.status, 200) << retried.error.message() << " " << retried.body;
  EXPECT_EQ(retries(), retries_before + 1);
  EXPECT_EQ(upstream_target(retried), "/headers?q=1");
  EXPECT_EQ(upstream_headers(retried), upstream_headers(first));
  EXPECT_EQ(find_header(upstream_headers(retried), "X-Request-Id"), "retry-0123456789");
  EXPECT_FALSE(find_header(upstream_headers(retried), "X-Drop"));
}

TEST(Backends, NonIdempotentRequestIsNotRetriedAfterItWasSent) {
  // /close reads the request and hangs up without answering: a POST with a body must be sent
  // exactly once (a streamed body cannot be replayed).
  auto app = Upstream::start("app");
  auto gw = Gateway::launch(yaml_prologue(1) + "backends:\n  app: { endpoints: [" + app->address() + "] }\n" +
                            one_route("app"));
  HttpConnection c(gw->port());
  ASSERT_EQ(c.get("/warm").status, 200);
  EXPECT_EQ(c.request({.method = "POST", .target = "/close", .body = "once"}).status, 502);
  EXPECT_EQ(app->hits("/close"), 1u);
}

class ClientTimeouts : public ::testing::Test {
 protected:
  void SetUp() override {
    app_ = Upstream::start("app");
    gateway_ = Gateway::launch(yaml_prologue() + "limits: { idle_timeout: 400ms, body_timeout: 400ms }\n" +
                               "backends:\n  app: { endpoints: [" + app_->address() + "] }\n" + one_route("app"));
  }

  std::unique_ptr<Upstream> app_;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(ClientTimeouts, IdleKeepAliveConnectionIsClosed) {
  HttpConnection busy(gateway_->port());
  HttpConnection idle(gateway_->port());
  ASSERT_EQ(idle.get("/once").status, 200);
  // A connection used every 100 ms stays open past the idle timeout.
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < 800ms) {
    ASSERT_EQ(busy.get("/busy").status, 200);
    std::this_thread::sleep_for(100ms);  // the client's think time, not synchronization
  }
  EXPECT_TRUE(idle.closed_by_peer(2s)) << "idle connection still open after idle_timeout";
  EXPECT_FALSE(busy.closed_by_peer(10ms));
}

// An idle timeout past the first second ends a wait that gave its read buffer back (session.cpp).
TEST(ClientIdleTimeout, ALongerIdleTimeoutClosesTheConnectionOnTimeNotBefore) {
  auto app = Upstream::start("app");
  auto gateway = Gateway::launch(yaml_prologue() + "limits: { idle_timeout: 1800ms }\n" +
                                 "backends:\n  app: { endpoints: [" + app->address() + "] }\n" + one_route("app"));
  HttpConnection idle(gateway->port(), 5s);
  ASSERT_EQ(idle.get("/once").status, 200);
  EXPECT_FALSE(idle.closed_by_peer(1700ms)) << "closed before idle_timeout";
  EXPECT_TRUE(idle.closed_by_peer(3s)) << "idle connection still open after idle_timeout";
}

TEST_F(ClientTimeouts, StalledRequestBodyIs408) {
  HttpConnection c(gateway_->port(), 5s);
  ASSERT_FALSE(c.send_raw("POST /sink HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten b"));
  const auto start = std::chrono::steady_clock::now();
  const auto r = c.read_response();
  EXPECT_EQ(r.status, 408) << r.error.message() << " " << r.body;
  EXPECT_EQ(parse_json(r.body).value_or(nullptr)["error"], "client_timeout") << r.body;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_TRUE(c.closed_by_peer(2s));
  EXPECT_EQ(http_get(gateway_->port(), "/fine").status, 200);
}

}  // namespace
}  // namespace cutover::test
