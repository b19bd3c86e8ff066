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

// The minimum body rate, and the queue's wait not counting against it, are tested to the
// millisecond on a manual clock in tests/session/body_pace_test.cpp.

}  // namespace
}  // namespace cutover::test
