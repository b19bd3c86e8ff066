// The admin listener of the real binary: health, readiness during a drain, status with the last
// reload, reload over HTTP (success and a broken file), the token, and metrics.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <csignal>
#include <thread>

#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/upstream.hpp"

namespace cutover::test {
namespace {

using namespace std::chrono_literals;

std::string config(const Upstream& up, std::string_view extra = "") {
  return yaml_prologue(1) + std::string(extra) + "backends:\n  up: { endpoints: [" + up.address() +
         "] }\nroutes:\n  - { id: all, match: { prefix: / }, backend: up }\n";
}

TEST(AdminApi, HealthStatusReloadAndMetrics) {
  auto up = Upstream::start("up");
  auto gateway = Gateway::launch(config(*up));
  const auto admin = gateway->admin_port();
  EXPECT_EQ(http_get(admin, "/healthz").status, 200);
  EXPECT_EQ(http_get(admin, "/readyz").status, 200);
  ASSERT_EQ(http_get(gateway->port(), "/").status, 200);

  auto status = parse_json(http_get(admin, "/admin/status").body);
  ASSERT_TRUE(status);
  EXPECT_EQ((*status)["last_reload"]["ok"], true);
  const std::string hash = (*status)["config_hash"];

  // A broken file: 422 with file:line, nothing changes, the status says so.
  gateway->write_config(config(*up) + "bogus: 1\n");
  auto failed = http_request(admin, Request{"POST", "/admin/reload", {}, "", false, true});
  EXPECT_EQ(failed.status, 422);
  EXPECT_THAT(failed.body, ::testing::HasSubstr("unknown key 'bogus'"));
  EXPECT_THAT(failed.body, ::testing::HasSubstr(gateway->config_path().string() + ":"));
  status = parse_json(http_get(admin, "/admin/status").body);
  EXPECT_EQ((*status)["last_reload"]["ok"], false);
  EXPECT_EQ((*status)["config_hash"], hash);
  EXPECT_EQ(http_get(gateway->port(), "/").status, 200);

  // A good file: 200, a new hash.
  gateway->write_config(config(*up, "limits: { idle_timeout: 30s }\n"));
  auto ok = http_request(admin, Request{"POST", "/admin/reload", {}, "", false, true});
  EXPECT_EQ(ok.status, 200) << ok.body;
  status = parse_json(http_get(admin, "/admin/status").body);
  EXPECT_EQ((*status)["last_reload"]["ok"], true);
  EXPECT_NE((*status)["config_hash"], hash);

  auto metrics = http_get(admin, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, ::testing::HasSubstr("# TYPE cutover_requests_total counter"));
  // One good reload and one broken one.
  EXPECT_THAT(metrics.body, ::testing::HasSubstr("cutover_reloads_total{result=\"failure\"} 1"));
  EXPECT_THAT(metrics.body, ::testing::HasSubstr("cutover_reloads_total{result=\"success\"} 1"));
  EXPECT_THAT(metrics.body, ::testing::HasSubstr("cutover_last_reload_successful 1"));
}

TEST(AdminApi, ReloadNeedsTheTokenWhenConfigured) {
  auto up = Upstream::start("up");
  Gateway gateway;
  gateway.write_file("admin-token", "t0ken-for-tests\n");
  gateway.write_config(
      "listen: 127.0.0.1:0\nadmin: { listen: 127.0.0.1:0, token_file: admin-token }\nworkers: 1\n"
      "access_log: { path: 'off' }\nbackends:\n  up: { endpoints: [" + up->address() +
      "] }\nroutes:\n  - { id: all, match: { prefix: / }, backend: up }\n");
  gateway.start();
  const auto admin = gateway.admin_port();
  auto denied = http_request(admin, Request{"POST", "/admin/reload", {}, "", false, true});
  EXPECT_EQ(denied.status, 401);
  EXPECT_THAT(denied.body, ::testing::HasSubstr("Authorization: Bearer"));
  auto allowed = http_request(admin, Request{"POST", "/admin/reload", {{"Authorization", "Bearer t0ken-for-tests"}}, "", false, true});
  EXPECT_EQ(allowed.status, 200) << allowed.body;
  EXPECT_EQ(http_get(admin, "/admin/status").status, 200);
}

TEST(AdminApi, ReadyzTurnsFalseWhileDraining) {
  auto up = Upstream::start("up");
  auto gateway = Gateway::launch(config(*up));
  const auto admin = gateway->admin_port();
  HttpConnection slow(gateway->port());
  std::thread in_flight([&] { EXPECT_EQ(slow.get("/delay?ms=1500").status, 200); });
  std::this_thread::sleep_for(300ms);  // let the slow request reach the backend
  ASSERT_TRUE(gateway->process().send_signal(SIGTERM));
  bool saw_not_ready = false;
  for (int i = 0; i < 50 && !saw_not_ready; ++i) {
    auto r = http_get(admin, "/readyz", {}, 1s);
    saw_not_ready = r.status == 503;
    if (!saw_not_ready) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(saw_not_ready) << "readyz must say 503 while in-flight requests drain";
  in_flight.join();
  EXPECT_EQ(gateway->process().wait_exit(10s), 0);
}

TEST(AdminApi, BusyAdminPortIsAClearStartupError) {
  auto up = Upstream::start("up");
  auto first = Gateway::launch(config(*up));
  const auto taken = first->admin_port();
  Gateway second;
  second.write_config("listen: 127.0.0.1:0\nadmin: { listen: 127.0.0.1:" + std::to_string(taken) +
                      " }\nworkers: 1\nbackends:\n  up: { endpoints: [" + up->address() +
                      "] }\nroutes:\n  - { id: all, match: { prefix: / }, backend: up }\n");
  EXPECT_THROW(second.start({}, 3s), std::exception);
  EXPECT_EQ(second.process().wait_exit(5s), 1);
  EXPECT_THAT(second.process().output(), ::testing::HasSubstr("cannot listen for the admin API"));
}

}  // namespace
}  // namespace cutover::test
