// The admin API's request handling, against a hand-written control plane.
#include "cutover/admin/handlers.hpp"

#include <gtest/gtest.h>

#include "unit/admin/fake_control_plane.hpp"

namespace cutover::admin {
namespace {

using test::body_of;
using test::FakeControlPlane;

TEST(AdminHandlers, HealthAndReadiness) {
  FakeControlPlane control;
  EXPECT_EQ(handle_admin({"GET", "/healthz", "", "", ""}, control, "").status, 200u);
  EXPECT_EQ(handle_admin({"GET", "/readyz", "", "", ""}, control, "").status, 200u);
  control.is_ready = false;
  auto draining = handle_admin({"GET", "/readyz", "", "", ""}, control, "");
  EXPECT_EQ(draining.status, 503u);
  EXPECT_EQ(body_of(draining)["reason"], "draining");
}

TEST(AdminHandlers, StatusAndMetrics) {
  FakeControlPlane control;
  auto status = handle_admin({"GET", "/admin/status?pretty=1", "", "", ""}, control, "");
  EXPECT_EQ(status.status, 200u);
  EXPECT_EQ(body_of(status)["config_hash"], "abc");
  auto metrics = handle_admin({"GET", "/metrics", "", "", ""}, control, "");
  EXPECT_EQ(metrics.status, 200u);
  EXPECT_NE(metrics.content_type.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_EQ(metrics.body, "cutover_requests_total 7\n");
}

TEST(AdminHandlers, ReloadReportsSuccessAndFailure) {
  FakeControlPlane control;
  auto ok = handle_admin({"POST", "/admin/reload", "", "", ""}, control, "");
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(body_of(ok)["last_reload"]["ok"], true);
  EXPECT_TRUE(body_of(ok)["last_reload"]["error"].is_null());
  control.next_reload = {false, "cutover.yaml:3:1: error: unknown key 'x'", 2, "def"};
  auto failed = handle_admin({"POST", "/admin/reload", "", "", ""}, control, "");
  EXPECT_EQ(failed.status, 422u);
  EXPECT_EQ(body_of(failed)["last_reload"]["error"], "cutover.yaml:3:1: error: unknown key 'x'");
  EXPECT_EQ(control.reloads, 2);
}

TEST(AdminHandlers, MutatingCallsNeedTheTokenWhenOneIsConfigured) {
  FakeControlPlane control;
  EXPECT_EQ(handle_admin({"POST", "/admin/reload", "", "", ""}, control, "s3cret").status, 401u);
  EXPECT_EQ(handle_admin({"POST", "/admin/reload", "Bearer wrong!", "", ""}, control, "s3cret").status, 401u);
  EXPECT_EQ(handle_admin({"POST", "/admin/reload", "Bearer s3cre", "", ""}, control, "s3cret").status, 401u);
  EXPECT_EQ(control.reloads, 0) << "an unauthorized call must change nothing";
  EXPECT_EQ(handle_admin({"POST", "/admin/reload", "Bearer s3cret", "", ""}, control, "s3cret").status, 200u);
  EXPECT_EQ(control.reloads, 1);
  // Reading needs no token: the listener is loopback-only by default.
  EXPECT_EQ(handle_admin({"GET", "/admin/status", "", "", ""}, control, "s3cret").status, 200u);
}

TEST(AdminHandlers, WrongMethodAndUnknownPathSayWhatToDo) {
  FakeControlPlane control;
  auto wrong = handle_admin({"GET", "/admin/reload", "", "", ""}, control, "");
  EXPECT_EQ(wrong.status, 405u);
  EXPECT_EQ(body_of(wrong)["message"], "use POST /admin/reload");
  EXPECT_EQ(control.reloads, 0);
  auto unknown = handle_admin({"GET", "/admin/nope", "", "", ""}, control, "");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_NE(body_of(unknown)["message"].get<std::string>().find("GET /admin/status"), std::string::npos);
}

}  // namespace
}  // namespace cutover::admin
