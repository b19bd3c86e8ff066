// Request buffering and the minimum body rate (README "limits"): a body up to request_buffer is
// read whole before a backend connection is taken, so slow clients cannot hold a backend's few
// connections; a body slower than min_body_rate is refused with 408 body_too_slow.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string post_head(const std::string& target, std::size_t length) {
  return "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
}

TEST(RequestBuffering, FiftySlowBodiesDoNotShutOutABackendWithFourConnections) {
  auto app = Upstream::start("app");
  auto gateway = Gateway::launch(yaml_prologue() +
                                 "limits: { min_body_rate: 0 }\n"
                                 "backends:\n"
                                 "  app: { endpoints: [" + app->address() + "], max_connections_per_endpoint: 4, "
                                 "queue_timeout: 1s }\n"
                                 "routes:\n"
                                 "  - { id: all, match: { prefix: / }, backend: app }\n");
  constexpr int kSlow = 50;
  constexpr std::size_t kBody = 1000;
  constexpr std::size_t kPiece = 100;
  std::vector<HttpConnection> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.emplace_back(gateway->port(), 20s);
    ASSERT_FALSE(slow.back().send_raw(post_head("/sink", kBody) + std::string(kPiece, 'a')));
  }
  // While every slow body trickles in (~2.5 s, more than the 1 s queue_timeout), a normal
  // client is served.
  auto normal = std::async(std::launch::async, [&] {
    std::vector<int> statuses;
    HttpConnection c(gateway->port(), 5s);
    for (int i = 0; i < 20; ++i) {
      statuses.push_back(c.get("/fast").status);
      std::this_thread::sleep_for(100ms);
    }
    return statuses;
  });
  for (std::size_t sent = kPiece; sent + kPiece < kBody; sent += kPiece) {
    std::this_thread::sleep_for(300ms);
    for (auto& c : slow) ASSERT_FALSE(c.send_raw(std::string(kPiece, 'a')));
  }
  EXPECT_THAT(normal.get(), ::testing::Each(200)) << "a normal request waited behind the slow bodies";
  // The slow bodies themselves arrive whole once they are done.
  for (auto& c : slow) ASSERT_FALSE(c.send_raw(std::string(kPiece, 'a')));
  for (int i = 0; i < kSlow; ++i) {
    const auto r = slow[i].read_response();
    ASSERT_EQ(r.status, 200) << "slow client " << i << ": " << r.error.message() << " " << r.body;
    EXPECT_EQ(parse_json(r.body).value_or(nullptr)["bytes"], kBody) << r.body;
  }
}

TEST(RequestBuffering, ABodySlowerThanTheMinimumRateIs408BufferedOrStreamed) {
  auto app = Upstream::start("app");
  auto gateway = Gateway::launch(yaml_prologue() +
                                 "limits: { min_body_rate: 8KiB/s, request_buffer: 16KiB }\n"
                                 "backends:\n"
                                 "  app: { endpoints: [" + app->address() + "] }\n"
                                 "routes:\n"
                                 "  - { id: all, match: { prefix: / }, backend: app }\n");
  // 1 KiB/s, never silent for long: body_timeout alone would let both go on for minutes.
  auto trickle = [&](std::size_t length) {
    HttpConnection c(gateway->port(), 30s);
    EXPECT_FALSE(c.send_raw(post_head("/sink", length)));
    const auto start = Clock::now();
    for (std::size_t sent = 0; sent < length && Clock::now() - start < 20s; sent += 256) {
      if (c.send_raw(std::string(256, 'a'))) break;  // refused: the answer is waiting
      std::this_thread::sleep_for(250ms);
    }
    return std::pair{c.read_response(), Clock::now() - start};
  };
  auto buffered = std::async(std::launch::async, trickle, 15 * 1024);
  auto streamed = std::async(std::launch::async, trickle, 1024 * 1024);
  for (auto* result : {&buffered, &streamed}) {
    const auto [r, elapsed] = result->get();
    EXPECT_EQ(r.status, 408) << r.body;
    EXPECT_EQ(parse_json(r.body).value_or(nullptr)["error"], "body_too_slow") << r.body;
    EXPECT_LT(elapsed, 15s) << "judged at the end of the first 10 s window";
  }
  const auto metrics = http_get(gateway->admin_port(), "/metrics").body;
  EXPECT_EQ(metric_value(metrics, "cutover_local_replies_total", {{"reason", "body_too_slow"}}), 2) << metrics;
  // A body that keeps up is not refused.
  const auto fine = http_request(gateway->port(), {.method = "POST", .target = "/sink", .body = std::string(200000, 'b')});
  EXPECT_EQ(fine.status, 200) << fine.body;
}

TEST(RequestBuffering, TimeSpentWaitingForABackendConnectionIsNotCountedAgainstTheBodysPace) {
  auto app = Upstream::start("app");
  auto gateway = Gateway::launch(yaml_prologue(1) +
                                 "limits: { min_body_rate: 1KiB/s, request_buffer: 0 }\n"
                                 "backends:\n"
                                 "  app: { endpoints: [" + app->address() + "], max_connections_per_endpoint: 1, "
                                 "queue_timeout: 30s }\n"
                                 "routes:\n"
                                 "  - { id: all, match: { prefix: / }, backend: app }\n");
  // The only connection is busy for longer than a pace window (10 s)...
  auto busy = std::async(std::launch::async, [&] { return http_get(gateway->port(), "/delay?ms=10500", {}, 30s); });
  ASSERT_TRUE(wait_until([&] { return app->hits("/delay") == 1; }, 5s));
  // ... while a 5 KiB body, all sent at once, waits in the queue for it.
  const auto r = http_request(gateway->port(), {.method = "POST", .target = "/sink", .body = std::string(5000, 'b')}, 30s);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse_json(r.body).value_or(nullptr)["bytes"], 5000) << r.body;
  EXPECT_EQ(busy.get().status, 200);
}

}  // namespace
}  // namespace cutover::test
