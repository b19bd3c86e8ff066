// GET /admin/backends: every endpoint's health, as the workers read it.
#include <gtest/gtest.h>

#include "cutover/admin/handlers.hpp"
#include "unit/admin/fake_control_plane.hpp"

namespace cutover::admin {
namespace {

using test::body_of;
using test::FakeControlPlane;

constexpr const char* kTwoBackends =
    "backends:\n"
    "  legacy: { endpoints: [127.0.0.1:8000] }\n"
    "  notes-svc:\n"
    "    endpoints: [127.0.0.1:9000, 127.0.0.1:9001]\n"
    "    health_check: { path: /ready, interval: 5s, timeout: 1s }\n"
    "routes:\n"
    "  - { id: notes, match: { prefix: / }, backend: notes-svc, fallback: legacy }\n";

TEST(AdminBackends, ListsEveryEndpointInRotationAtFirst) {
  FakeControlPlane control(kTwoBackends);
  const auto reply = handle_admin({"GET", "/admin/backends", "", "", ""}, control, "");
  ASSERT_EQ(reply.status, 200u);
  const auto body = body_of(reply);
  ASSERT_EQ(body["backends"].size(), 2u);
  const auto& svc = body["backends"][1];
  EXPECT_EQ(svc["name"], "notes-svc");
  EXPECT_EQ(svc["usable_endpoints"], 2);
  EXPECT_EQ(svc["panic"], false);
  EXPECT_EQ(svc["health_check"]["path"], "/ready");
  EXPECT_EQ(svc["endpoints"][0]["address"], "127.0.0.1:9000");
  EXPECT_EQ(svc["endpoints"][0]["usable"], true);
  EXPECT_TRUE(svc["endpoints"][0]["last_change"].is_null());
  EXPECT_TRUE(body["backends"][0]["health_check"].is_null());
}

TEST(AdminBackends, AnEjectedEndpointSaysWhyAndForHowLong) {
  FakeControlPlane control(kTwoBackends);
  auto& health = *control.snapshot()->backends[1].health;
  for (int i = 0; i < 5; ++i) health.observe(1, upstream::Observation::answered_5xx, std::chrono::steady_clock::now());
  const auto body = body_of(handle_admin({"GET", "/admin/backends/notes-svc", "", "", ""}, control, ""));
  EXPECT_EQ(body["usable_endpoints"], 1);
  const auto& out = body["endpoints"][1];
  EXPECT_EQ(out["usable"], false);
  EXPECT_EQ(out["ejected"], true);
  EXPECT_GT(out["ejected_for_ms"].get<std::int64_t>(), 29000);
  EXPECT_EQ(out["ejections_total"], 1);
  EXPECT_EQ(out["last_change"], "ejected after 5 5xx answers in a row for 30s");
  EXPECT_TRUE(out["last_change_at"].is_string());
}

TEST(AdminBackends, UnknownNamesAndMethodsAreRefused) {
  FakeControlPlane control(kTwoBackends);
  EXPECT_EQ(handle_admin({"GET", "/admin/backends/nope", "", "", ""}, control, "").status, 404u);
  EXPECT_EQ(body_of(handle_admin({"GET", "/admin/backends/nope", "", "", ""}, control, ""))["error"], "unknown_backend");
  EXPECT_EQ(handle_admin({"POST", "/admin/backends", "", "", ""}, control, "").status, 405u);
}

}  // namespace
}  // namespace cutover::admin
