// A backend's connection limit (README "backends.NAME": max_connections_per_endpoint,
// queue_timeout): requests beyond it wait in the gateway, in order, and are all answered over
// the limited connections; one that waits too long gets a 503 with a JSON body; /metrics shows
// the queue.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string limited_backend(const Upstream& app, const std::string& settings) {
  return yaml_prologue(1) + "backends:\n  app: { endpoints: [" + app.address() + "], " + settings + " }\n" +
         "routes:\n  - { id: all, match: { prefix: / }, backend: app }\n";
}

double metric(const Gateway& gw, std::string_view name) {
  const auto r = http_get(const_cast<Gateway&>(gw).admin_port(), "/metrics");
  EXPECT_EQ(r.status, 200) << r.error.message();
  return metric_value(r.body, name).value_or(-1);
}

std::future<Response> get_async(std::uint16_t port, std::string target) {
  return std::async(std::launch::async, [port, target] { return http_get(port, target); });
}

// Sends `target` (a /delay) and returns once the backend holds it: the connection is taken.
std::future<Response> occupy(const Gateway& gw, const Upstream& app, std::string target) {
  auto reply = get_async(gw.port(), std::move(target));
  EXPECT_TRUE(wait_until([&] { return app.hits("/delay") == 1; }, 5s)) << "the backend never got the slow request";
  return reply;
}

// Sends `target` and returns once the gateway counts `waiting` requests in its queue (waiting in
// the gateway, not at the backend).
std::future<Response> queue_behind(const Gateway& gw, std::string target, double waiting = 1) {
  auto reply = get_async(gw.port(), std::move(target));
  EXPECT_TRUE(wait_until([&] { return metric(gw, "cutover_upstream_queue_waiting") == waiting; }, 5s))
      << "the request never queued";
  return reply;
}

TEST(ConnectionLimit, RequestsBeyondTheLimitWaitAndAreAllAnsweredOverTheLimitedConnections) {
  auto app = Upstream::start("app");
  auto gw = Gateway::launch(limited_backend(*app, "max_connections_per_endpoint: 2, queue_timeout: 10s"));
  const auto started = Clock::now();
  std::vector<std::future<Response>> replies;
  for (int i = 0; i < 8; ++i) replies.push_back(get_async(gw->port(), "/delay?ms=300"));
  for (auto& reply : replies) {
    const auto r = reply.get();
    EXPECT_EQ(r.status, 200) << r.error.message() << " " << r.body;
  }
  // Eight 300 ms answers over two connections take at least four rounds.
  EXPECT_GE(Clock::now() - started, 1100ms);
  EXPECT_EQ(app->connections_accepted(), 2u);
  EXPECT_EQ(app->hits("/delay"), 8u);
  EXPECT_GE(metric(*gw, "cutover_upstream_queued_total"), 1);
  EXPECT_EQ(metric(*gw, "cutover_upstream_queue_timeouts_total"), 0);
  EXPECT_EQ(metric(*gw, "cutover_upstream_queue_waiting"), 0);
}

TEST(ConnectionLimit, ARequestStillWaitingAfterTheQueueTimeoutGets503WithAJsonBody) {
  auto app = Upstream::start("app");
  auto gw = Gateway::launch(limited_backend(*app, "max_connections_per_endpoint: 1, queue_timeout: 300ms"));
  auto slow = occupy(*gw, *app, "/delay?ms=2000");
  const auto asked = Clock::now();
  const auto r = http_get(gw->port(), "/waits");
  const auto waited = Clock::now() - asked;
  EXPECT_EQ(r.status, 503) << r.error.message();
  const auto body = json_body(r);
  EXPECT_EQ(body.value("error", ""), "upstream_busy") << r.body;
  EXPECT_NE(body.value("message", "").find("max_connections_per_endpoint"), std::string::npos) << r.body;
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 1900ms);  // not until the slow request ended
  EXPECT_EQ(app->hits("/waits"), 0u);
  EXPECT_EQ(slow.get().status, 200);
  EXPECT_EQ(metric(*gw, "cutover_upstream_queue_timeouts_total"), 1);
  // The connection is free again: the next request goes through.
  EXPECT_EQ(http_get(gw->port(), "/after").status, 200);
  EXPECT_EQ(app->connections_accepted(), 1u);
}

TEST(ConnectionLimit, AConnectionTheBackendClosesLetsTheWaitingRequestOpenAnother) {
  auto app = Upstream::start("app");
  auto gw = Gateway::launch(limited_backend(*app, "max_connections_per_endpoint: 1, queue_timeout: 10s"));
  auto closing = occupy(*gw, *app, "/delay?ms=2000&close=1");
  auto queued = queue_behind(*gw, "/queued");
  EXPECT_EQ(app->hits("/queued"), 0u);
  EXPECT_EQ(closing.get().status, 200);
  const auto r = queued.get();
  EXPECT_EQ(r.status, 200) << r.error.message() << " " << r.body;
  EXPECT_EQ(app->connections_accepted(), 2u);
  EXPECT_EQ(metric(*gw, "cutover_upstream_queue_waiting"), 0);
  EXPECT_EQ(metric(*gw, "cutover_upstream_queued_total"), 1);
}

TEST(ConnectionLimit, UploadsWaitTooAndTheirBodiesArriveWhole) {
  auto app = Upstream::start("app");
  auto gw = Gateway::launch(limited_backend(*app, "max_connections_per_endpoint: 1, queue_timeout: 10s"));
  auto slow = occupy(*gw, *app, "/delay?ms=500");
  const std::string body(100'000, 'u');
  const auto r = http_request(gw->port(), {.method = "POST", .target = "/echo", .body = body});
  EXPECT_EQ(r.status, 200) << r.error.message();
  EXPECT_EQ(r.body, body);
  EXPECT_EQ(slow.get().status, 200);
  EXPECT_EQ(app->connections_accepted(), 1u);
}

TEST(ConnectionLimit, AReloadThatRaisesTheLimitLetsTheWaitingRequestConnect) {
  auto app = Upstream::start("app");
  auto gw = Gateway::launch(limited_backend(*app, "max_connections_per_endpoint: 1, queue_timeout: 20s"));
  auto slow = occupy(*gw, *app, "/delay?ms=8000");
  auto queued = queue_behind(*gw, "/queued");
  const double generation = metric(*gw, "cutover_config_generation");
  gw->write_config(limited_backend(*app, "max_connections_per_endpoint: 2, queue_timeout: 20s"));
  ASSERT_TRUE(gw->process().send_signal(SIGHUP));
  ASSERT_TRUE(wait_until([&] { return metric(*gw, "cutover_config_generation") > generation; }, 10s));
  // The next request reads the new limit: the waiting request takes the new place, and the next
  // one is handed its connection once it is done. Both long before the slow one ends.
  const auto next = http_get(gw->port(), "/next");
  EXPECT_EQ(next.status, 200) << next.error.message();
  ASSERT_EQ(queued.wait_for(3s), std::future_status::ready);
  EXPECT_EQ(queued.get().status, 200);
  EXPECT_EQ(slow.wait_for(0s), std::future_status::timeout);
  EXPECT_EQ(app->connections_accepted(), 2u);
  EXPECT_EQ(slow.get().status, 200);
}

TEST(ConnectionLimit, ADrainAnswersTheQueuedRequestsBeforeExiting) {
  auto app = Upstream::start("app");
  auto gw = Gateway::launch(limited_backend(*app, "max_connections_per_endpoint: 1, queue_timeout: 10s"));
  auto slow = occupy(*gw, *app, "/delay?ms=800");
  auto queued = queue_behind(*gw, "/queued");
  ASSERT_TRUE(gw->process().send_signal(SIGTERM));
  EXPECT_EQ(slow.get().status, 200);
  EXPECT_EQ(queued.get().status, 200);
  EXPECT_EQ(gw->process().wait_exit(10s), std::optional<int>(0));
}

TEST(ConnectionLimit, AWorkerStoppingWithRequestsStillQueuedExitsCleanly) {
  auto app = Upstream::start("app", 2);
  // The drain gives up before the queued requests get a connection: the worker stops with them
  // still waiting, and must let go of them (Pool::abandon_waiters) rather than hang or crash.
  auto gw = Gateway::launch(yaml_prologue(1) + "drain_timeout: 300ms\nbackends:\n  app: { endpoints: [" + app->address() +
                            "], max_connections_per_endpoint: 1, queue_timeout: 30s }\n" +
                            "routes:\n  - { id: all, match: { prefix: / }, backend: app }\n");
  auto slow = occupy(*gw, *app, "/delay?ms=5000");
  std::vector<std::future<Response>> queued;
  for (int i = 0; i < 3; ++i) queued.push_back(get_async(gw->port(), "/queued"));
  ASSERT_TRUE(wait_until([&] { return metric(*gw, "cutover_upstream_queue_waiting") == 3; }, 5s));
  const auto signalled = Clock::now();
  ASSERT_TRUE(gw->process().send_signal(SIGTERM));
  const auto status = gw->process().wait_exit(4s);
  ASSERT_TRUE(status) << "still running 4 s after SIGTERM with drain_timeout 300ms";
  EXPECT_LT(Clock::now() - signalled, 3s);
  EXPECT_THAT(gw->process().output(), ::testing::Not(::testing::HasSubstr("AddressSanitizer")));
  for (auto& reply : queued) EXPECT_NE(reply.get().status, 200);  // cut off, never sent on
  EXPECT_EQ(app->hits("/queued"), 0u);
  slow.get();
}

}  // namespace
}  // namespace cutover::test
