// The pool closes what it no longer uses (issue 20, item 3): idle connections once their backend's
// idle_timeout passes, connections the backend closed while they sat idle (no CLOSE-WAIT left
// behind), and connections to endpoints a reload removed (idle ones at once, busy ones when their
// exchange ends). Descriptors come from /proc/PID/fd, socket states from /proc/net/tcp.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/upstream.hpp"

#include <gtest/gtest.h>

#include <latch>
#include <thread>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string config(const std::vector<const Upstream*>& endpoints, std::string_view idle_timeout, int workers) {
  std::string list;
  for (const auto* upstream : endpoints) list += (list.empty() ? "" : ", ") + upstream->address();
  return yaml_prologue(workers) + "backends:\n  app: { endpoints: [" + list + "], idle_timeout: " +
         std::string(idle_timeout) + " }\nroutes:\n  - { id: all, match: { prefix: / }, backend: app }\n";
}

// `count` requests at once, each on a client connection of its own, slow enough to overlap: the
// gateway needs about `count` upstream connections for them. The clients close when done, so
// what stays open afterwards is the gateway's upstream side. Returns the 200s.
int overlapping_requests(std::uint16_t port, int count) {
  std::atomic<int> ok{0};
  std::latch start(count);
  std::vector<std::thread> clients;
  for (int i = 0; i < count; ++i) {
    clients.emplace_back([&] {
      HttpConnection client(port);
      start.arrive_and_wait();
      ok += client.get("/delay?ms=100").status == 200 ? 1 : 0;
    });
  }
  for (auto& client : clients) client.join();
  return ok;
}

bool reload(Gateway& gateway, const std::string& yaml) {
  gateway.write_config(yaml);
  return admin_call(gateway.admin_port(), "POST", "/admin/reload").status == 200;
}

std::optional<double> pooled(Gateway& gateway, std::string_view backend, std::string_view state) {
  const auto metrics = http_get(gateway.admin_port(), "/metrics");
  return metric_value(metrics.body, "cutover_upstream_connections",
                      {{"backend", std::string(backend)}, {"state", std::string(state)}});
}

std::string sockets_report(Gateway& gateway, std::size_t baseline, const Upstream& upstream) {
  return "descriptors " + std::to_string(open_descriptors(gateway.process().pid())) + " (baseline " +
         std::to_string(baseline) + "), sockets to " + upstream.name + ": " +
         std::to_string(held_tcp_sockets_to_port(upstream.port)) + " held, " +
         std::to_string(tcp_sockets_to_port(upstream.port, {kTcpCloseWait})) + " in CLOSE-WAIT";
}

TEST(PoolHygiene, IdleConnectionsCloseOnceTheBackendsIdleTimeoutPasses) {
  auto app = Upstream::start("app");
  auto gateway = Gateway::launch(config({app.get()}, "1s", 2));
  const auto baseline = open_descriptors(gateway->process().pid());
  ASSERT_GT(baseline, 0u);

  ASSERT_EQ(overlapping_requests(gateway->port(), 6), 6);
  const auto stopped = Clock::now();
  const auto held = held_tcp_sockets_to_port(app->port);
  ASSERT_GE(held, 2u) << "overlapping requests each need an upstream connection";
  // Every one of them is idle in a pool now, and the gauge (summed over both workers) says so.
  EXPECT_EQ(pooled(*gateway, "app", "idle"), static_cast<double>(held));
  EXPECT_EQ(pooled(*gateway, "app", "active"), 0.0);

  // Back to where it started within idle_timeout + 1 s of the traffic stopping, with no request
  // coming to notice.
  EXPECT_TRUE(wait_until([&] { return open_descriptors(gateway->process().pid()) == baseline; },
                         std::chrono::duration_cast<std::chrono::milliseconds>(stopped + 2s - Clock::now())))
      << sockets_report(*gateway, baseline, *app);
  EXPECT_EQ(held_tcp_sockets_to_port(app->port), 0u);
  EXPECT_EQ(pooled(*gateway, "app", "idle"), 0.0);
  const auto metrics = http_get(gateway->admin_port(), "/metrics").body;
  EXPECT_EQ(metric_value(metrics, "cutover_upstream_pool_closed_total", {{"reason", "idle_timeout"}}),
            static_cast<double>(held));

  // The next request simply opens a new one.
  EXPECT_EQ(http_get(gateway->port(), "/").status, 200);
}

TEST(PoolHygiene, ConnectionsTheBackendClosedWhileIdleAreClosedWithoutWaitingForARequest) {
  // The backend's own keep-alive timeout (1 s) is far below the gateway's idle_timeout (60 s).
  auto app = Upstream::start("app", std::vector<std::string>{"--idle-close-ms", "1000"});
  auto gateway = Gateway::launch(config({app.get()}, "60s", 1));
  const auto baseline = open_descriptors(gateway->process().pid());

  ASSERT_EQ(overlapping_requests(gateway->port(), 6), 6);
  const auto stopped = Clock::now();
  const auto held = held_tcp_sockets_to_port(app->port);
  ASSERT_GE(held, 2u);

  // The backend hangs up a second after each connection's last answer; the gateway closes its end
  // as soon as it sees that, not when a request would next take the connection.
  EXPECT_TRUE(wait_until(
      [&] {
        return open_descriptors(gateway->process().pid()) == baseline &&
               tcp_sockets_to_port(app->port, {kTcpCloseWait}) == 0;
      },
      std::chrono::duration_cast<std::chrono::milliseconds>(stopped + 2s - Clock::now())))
      << sockets_report(*gateway, baseline, *app);
  const auto metrics = http_get(gateway->admin_port(), "/metrics").body;
  EXPECT_EQ(metric_value(metrics, "cutover_upstream_pool_closed_total", {{"reason", "backend_closed"}}),
            static_cast<double>(held));
  EXPECT_EQ(pooled(*gateway, "app", "idle"), 0.0);

  // Nothing dead is handed to the next request: it is served without a retry.
  EXPECT_EQ(http_get(gateway->port(), "/").status, 200);
  EXPECT_EQ(metric_value(http_get(gateway->admin_port(), "/metrics").body, "cutover_upstream_retries_total"), 0.0);
}

TEST(PoolHygiene, AReloadClosesIdleConnectionsToTheEndpointsItRemoved) {
  auto old_home = Upstream::start("old");
  auto new_home = Upstream::start("new");
  auto gateway = Gateway::launch(config({old_home.get()}, "60s", 2));
  ASSERT_EQ(overlapping_requests(gateway->port(), 4), 4);
  ASSERT_GE(held_tcp_sockets_to_port(old_home->port), 1u);

  ASSERT_TRUE(reload(*gateway, config({new_home.get()}, "60s", 2)));
  // No request comes after the reload: the pools notice it by themselves, long before the 60 s
  // idle_timeout.
  EXPECT_TRUE(wait_until([&] { return held_tcp_sockets_to_port(old_home->port) == 0; }, 2s))
      << held_tcp_sockets_to_port(old_home->port) << " connections to the removed endpoint still open";
  const auto metrics = http_get(gateway->admin_port(), "/metrics").body;
  EXPECT_GE(metric_value(metrics, "cutover_upstream_pool_closed_total", {{"reason", "endpoint_removed"}}).value_or(0), 1.0);

  const auto answered = http_get(gateway->port(), "/");
  EXPECT_EQ(served_by(answered), "new");
  EXPECT_EQ(held_tcp_sockets_to_port(old_home->port), 0u);
}

TEST(PoolHygiene, AConnectionToARemovedEndpointClosesWhenItsExchangeEnds) {
  auto old_home = Upstream::start("old");
  auto new_home = Upstream::start("new");
  auto gateway = Gateway::launch(config({old_home.get()}, "60s", 1));
  Response slow;
  std::thread client([&] { slow = http_get(gateway->port(), "/delay?ms=1500"); });
  ASSERT_TRUE(wait_until([&] { return old_home->hits("/delay") == 1; }, 5s));

  ASSERT_TRUE(reload(*gateway, config({new_home.get()}, "60s", 1)));
  // In flight to an address no backend names any more: shown as such, and not cut.
  EXPECT_EQ(pooled(*gateway, "(removed)", "active"), 1.0);
  EXPECT_EQ(pooled(*gateway, "app", "active"), 0.0);
  client.join();
  EXPECT_EQ(slow.status, 200);
  EXPECT_EQ(served_by(slow), "old");

  // Its connection is closed once the answer is delivered instead of going back to the pool.
  EXPECT_TRUE(wait_until([&] { return held_tcp_sockets_to_port(old_home->port) == 0; }, 1s))
      << held_tcp_sockets_to_port(old_home->port) << " connections to the removed endpoint still open";
  EXPECT_EQ(pooled(*gateway, "(removed)", "active"), 0.0);
  EXPECT_EQ(pooled(*gateway, "(removed)", "idle"), 0.0);
}

TEST(PoolHygiene, TenEndpointChangesLeaveOnlyTheCurrentEndpointsConnections) {
  std::vector<std::unique_ptr<Upstream>> upstreams;
  for (const char* name : {"one", "two", "three"}) upstreams.push_back(Upstream::start(name));
  auto gateway = Gateway::launch(config({upstreams[0].get()}, "60s", 2));
  const auto baseline = open_descriptors(gateway->process().pid());
  ASSERT_EQ(overlapping_requests(gateway->port(), 6), 6);
  for (std::size_t change = 1; change <= 10; ++change) {
    ASSERT_TRUE(reload(*gateway, config({upstreams[change % 3].get()}, "60s", 2))) << "change " << change;
    ASSERT_EQ(overlapping_requests(gateway->port(), 6), 6) << "change " << change;
  }
  const Upstream& current = *upstreams[10 % 3];
  EXPECT_TRUE(wait_until(
      [&] {
        std::size_t elsewhere = 0;
        for (const auto& upstream : upstreams) {
          if (upstream.get() != &current) elsewhere += held_tcp_sockets_to_port(upstream->port);
        }
        return elsewhere == 0 &&
               open_descriptors(gateway->process().pid()) == baseline + held_tcp_sockets_to_port(current.port);
      },
      2s))
      << sockets_report(*gateway, baseline, current) << "; " << sockets_report(*gateway, baseline, *upstreams[0])
      << "; " << sockets_report(*gateway, baseline, *upstreams[2]);
  // What is left is pooled for the backend that sends there now.
  EXPECT_EQ(pooled(*gateway, "app", "idle"), static_cast<double>(held_tcp_sockets_to_port(current.port)));
}

}  // namespace
}  // namespace cutover::test
