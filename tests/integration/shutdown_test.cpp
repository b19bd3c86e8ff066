// Graceful stop (README "Running it"): SIGTERM/SIGINT stop accepting, close idle keep-alive
// connections, let in-flight requests finish with Connection: close (DESIGN.md invariant 5) and
// exit 0; a second signal exits at once.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/patterns.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <future>
#include <thread>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class Shutdown : public ::testing::Test {
 protected:
  void SetUp() override {
    app_ = Upstream::start("app", 2);
    gateway_ = Gateway::launch(yaml_prologue() +
                               "backends:\n"
                               "  app: { endpoints: [" + app_->address() + "] }\n"
                               "routes:\n"
                               "  - { id: all, match: { prefix: / }, backend: app }\n");
  }

  Process& process() { return gateway_->process(); }

  // Sends `sig` and waits for the gateway to say it is draining (so later checks are not racing
  // the signal's delivery).
  void signal_and_wait_for_drain(int sig) {
    const auto mark = process().output_size(Process::Stream::kStderr);
    ASSERT_TRUE(process().send_signal(sig));
    ASSERT_TRUE(process().wait_for_line(std::regex("draining"), 5s, Process::Stream::kStderr, mark))
        << process().output();
  }

  // After SIGTERM every one of `idle` is closed, and the gateway exits 0 without waiting out
  // the drain timeout for them.
  void expect_idle_closed_at_once(std::vector<HttpConnection>& idle) {
    const auto signalled = Clock::now();
    signal_and_wait_for_drain(SIGTERM);
    for (std::size_t i = 0; i < idle.size(); ++i) {
      EXPECT_TRUE(idle[i].closed_by_peer(3s)) << "idle connection " << i << " still open";
    }
    EXPECT_EQ(process().wait_exit(5s), 0) << process().output();
    EXPECT_LT(Clock::now() - signalled, 3s) << "idle connections held up the exit";
  }

  std::unique_ptr<Upstream> app_;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(Shutdown, InFlightRequestsFinishThenTheProcessExits0) {
  constexpr int kInFlight = 4;
  std::vector<HttpConnection> connections;
  for (int i = 0; i < kInFlight; ++i) connections.emplace_back(gateway_->port());
  std::vector<std::future<Response>> responses;
  for (auto& c : connections) {
    responses.push_back(std::async(std::launch::async, [&c] { return c.get("/delay?ms=1500"); }));
  }
  ASSERT_TRUE(wait_until([&] { return app_->hits("/delay") == kInFlight; }, 5s)) << app_->stats_json();

  const auto signalled = Clock::now();
  signal_and_wait_for_drain(SIGTERM);
  // No new connections while draining.
  const auto late = http_get(gateway_->port(), "/late", {}, 2s);
  EXPECT_NE(late.status, 200) << "a new connection was served during the drain";
  EXPECT_EQ(app_->hits("/late"), 0u);

  for (std::size_t i = 0; i < responses.size(); ++i) {
    const auto r = responses[i].get();
    EXPECT_EQ(r.status, 200) << "in-flight request " << i << ": " << r.error.message();
    EXPECT_EQ(parse_json(r.body).value_or(nullptr)["delayed_ms"], 1500) << r.body;
    // Told, not only closed: a client that reused the connection would lose its next request.
    EXPECT_EQ(r.header("Connection"), "close") << "in-flight request " << i << " answered during the drain";
    EXPECT_TRUE(connections[i].closed_by_peer(2s)) << "connection " << i << " left open after the drain";
  }
  EXPECT_EQ(process().wait_exit(10s), 0) << process().output();
  EXPECT_LT(Clock::now() - signalled, 5s) << "the drain waited for more than its in-flight requests";
  // And afterwards nothing listens.
  EXPECT_THROW(HttpConnection(gateway_->port(), 2s), std::system_error);
}

TEST_F(Shutdown, IdleKeepAliveConnectionsAreClosedAtOnce) {
  std::vector<HttpConnection> idle;
  for (int i = 0; i < 3; ++i) {
    idle.emplace_back(gateway_->port());
    ASSERT_EQ(idle.back().get("/warm").status, 200);
  }
  expect_idle_closed_at_once(idle);
}

// After a second idle a connection waits without its read buffer (session.cpp): it still serves
// its next request, and a drain closes it just the same.
TEST_F(Shutdown, ConnectionsIdleForLongerAreClosedAtOnceToo) {
  std::vector<HttpConnection> idle;
  for (int i = 0; i < 3; ++i) {
    idle.emplace_back(gateway_->port());
    ASSERT_EQ(idle.back().get("/warm").status, 200);
  }
  std::this_thread::sleep_for(1500ms);
  ASSERT_EQ(idle[0].get("/after-a-long-idle").status, 200) << "a connection idle past the first second";
  std::this_thread::sleep_for(1500ms);
  expect_idle_closed_at_once(idle);
}

TEST_F(Shutdown, SigintDrainsLikeSigterm) {
  auto pending = std::async(std::launch::async, [port = gateway_->port()] { return http_get(port, "/delay?ms=800"); });
  ASSERT_TRUE(wait_until([&] { return app_->hits("/delay") == 1; }, 5s));
  signal_and_wait_for_drain(SIGINT);
  const auto r = pending.get();
  EXPECT_EQ(r.status, 200) << r.error.message();
  EXPECT_EQ(process().wait_exit(10s), 0) << process().output();
}

TEST_F(Shutdown, UploadInFlightCompletesDuringTheDrain) {
  constexpr std::uint64_t kSize = 300ULL * 1024 * 1024;
  auto upload = std::async(std::launch::async, [port = gateway_->port()] {
    return stream_upload(port, "/sink", kSize, true, {}, 60s);
  });
  ASSERT_TRUE(wait_until([&] { return app_->hits("/sink") == 1; }, 10s)) << app_->stats_json();
  signal_and_wait_for_drain(SIGTERM);
  const auto s = upload.get();
  ASSERT_EQ(s.status, 200) << s.error.message();
  const auto body = parse_json(s.body);
  ASSERT_TRUE(body) << s.body;
  EXPECT_EQ((*body)["bytes"], kSize);
  EXPECT_EQ((*body)["checksum"], pattern_checksum(kSize));
  EXPECT_EQ(process().wait_exit(10s), 0) << process().output();
}

TEST_F(Shutdown, SecondSignalExitsAtOnce) {
  auto pending = std::async(std::launch::async, [port = gateway_->port()] { return http_get(port, "/delay?ms=8000", {}, 15s); });
  ASSERT_TRUE(wait_until([&] { return app_->hits("/delay") == 1; }, 5s));
  signal_and_wait_for_drain(SIGTERM);
  const auto second = Clock::now();
  ASSERT_TRUE(process().send_signal(SIGTERM));
  const auto status = process().wait_exit(3s);
  ASSERT_TRUE(status) << "still running after a second SIGTERM";
  EXPECT_LT(Clock::now() - second, 2s);
  pending.get();  // whatever it got; it must only not hang
}

TEST_F(Shutdown, SigtermUnderLoadAnswersEveryRequestThatReachedTheBackend) {
  // Eight keep-alive clients, each with a request in flight most of the time. After the signal,
  // new connections are refused (clients would go to another replica), but every request that
  // reached the backend must have had its response delivered: nothing in flight is lost.
  BackgroundLoad load(gateway_->port(), "/delay?ms=60", 8);
  ASSERT_TRUE(load.wait_for_progress(40, 5s)) << load.failures();
  ASSERT_TRUE(process().send_signal(SIGTERM));
  EXPECT_EQ(process().wait_exit(10s), 0) << process().output();
  load.stop();
  EXPECT_GT(load.ok(), 40u);
  EXPECT_EQ(app_->hits("/delay"), load.ok())
      << "requests reached the backend but their answers never reached the client; failures:\n"
      << load.failures().substr(0, 1000);
}

TEST(ShutdownTimeout, DrainTimeoutBoundsTheWaitForSlowRequests) {
  auto app = Upstream::start("app", 2);
  auto gateway = Gateway::launch(yaml_prologue() + "drain_timeout: 300ms\n"
                                 "backends:\n"
                                 "  app: { endpoints: [" + app->address() + "] }\n"
                                 "routes:\n"
                                 "  - { id: all, match: { prefix: / }, backend: app }\n");
  auto pending = std::async(std::launch::async, [port = gateway->port()] { return http_get(port, "/delay?ms=6000", {}, 15s); });
  ASSERT_TRUE(wait_until([&] { return app->hits("/delay") == 1; }, 5s));
  const auto signalled = Clock::now();
  ASSERT_TRUE(gateway->process().send_signal(SIGTERM));
  const auto status = gateway->process().wait_exit(4s);
  ASSERT_TRUE(status) << "still running 4 s after SIGTERM with drain_timeout 300ms";
  EXPECT_LT(Clock::now() - signalled, 3s);
  EXPECT_THAT(gateway->process().output(), ::testing::HasSubstr("drain timeout"));
  pending.get();
}

}  // namespace
}  // namespace cutover::test
