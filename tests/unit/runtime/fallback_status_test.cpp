// Whether a route runs on its fallback, read from its backends' health; health carried across a
// reload; explain's words for a user the fallback serves.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cutover/runtime/explain.hpp"
#include "cutover/runtime/fallback_status.hpp"
#include "cutover/runtime/overrides.hpp"

namespace cutover::runtime {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

const Clock::time_point kNow = Clock::time_point(std::chrono::hours(1000));

std::string config(std::string_view svc_endpoints = "127.0.0.1:9000") {
  return "backends:\n"
         "  legacy: { endpoints: [127.0.0.1:8000] }\n"
         "  svc: { endpoints: [" + std::string(svc_endpoints) + "] }\n"
         "routes:\n"
         "  - { id: notes, match: { prefix: /notes }, split: { svc: 50 }, rollback_to: legacy, fallback: legacy }\n"
         "  - { id: plain, match: { prefix: / }, backend: svc }\n";
}

void eject(const Snapshot& snapshot, std::size_t backend, std::size_t endpoint = 0) {
  for (int i = 0; i < 5; ++i) snapshot.backends[backend].health->observe(endpoint, upstream::Observation::answered_5xx, kNow);
}

TEST(FallbackStatus, InactiveWhileEveryBackendOfTheRouteHasAUsableEndpoint) {
  auto snapshot = build_snapshot(config(), "gw.yaml");
  const auto status = fallback_status(*snapshot, 0, kNow);
  EXPECT_TRUE(status.configured);
  EXPECT_FALSE(status.active);
  EXPECT_EQ(status.fallback, "legacy");
  EXPECT_FALSE(fallback_status(*snapshot, 1, kNow).configured);
}

TEST(FallbackStatus, ActiveWhileTheNewBackendIsOutWithSinceAndWhy) {
  auto snapshot = build_snapshot(config(), "gw.yaml");
  eject(*snapshot, 1);
  const auto status = fallback_status(*snapshot, 0, kNow + 1s);
  EXPECT_TRUE(status.active);
  EXPECT_EQ(status.down, std::vector<std::string>{"svc"});
  EXPECT_GT(status.since_unix_ms, 0);
  EXPECT_THAT(status.reason, HasSubstr("svc: ejected after 5 5xx answers in a row"));
  EXPECT_FALSE(fallback_status(*snapshot, 0, kNow + 30s).active) << "the ejection is over";
}

TEST(FallbackStatus, ARollbackLeavesNothingForTheFallbackToStandInFor) {
  auto snapshot = build_snapshot(config(), "gw.yaml");
  OverrideSet overrides;
  RouteOverride rollback;
  rollback.kind = RouteOverride::Kind::rollback;
  rollback.rollback_to = "legacy";
  overrides.routes.emplace("notes", rollback);
  auto rolled_back = with_overrides(*snapshot, overrides);
  eject(*rolled_back, 1);
  EXPECT_FALSE(fallback_status(*rolled_back, 0, kNow).active);
}

TEST(FallbackStatus, AFallbackWithNoUsableEndpointIsNotInUse) {
  auto snapshot = build_snapshot(config(), "gw.yaml");
  eject(*snapshot, 1);
  eject(*snapshot, 0);
  EXPECT_FALSE(fallback_status(*snapshot, 0, kNow).active);
}

TEST(CarryHealth, EndpointsThatStayKeepTheirStateAndNewOnesStartFresh) {
  auto running = build_snapshot(config(), "gw.yaml");
  eject(*running, 1);
  auto next = build_snapshot(config("127.0.0.1:9000, 127.0.0.1:9001"), "gw.yaml");
  carry_health(*next, *running);
  EXPECT_FALSE(next->backends[1].health->usable(0, kNow)) << "the ejected one stays out";
  EXPECT_TRUE(next->backends[1].health->usable(1, kNow)) << "the new one is in";
  EXPECT_EQ(next->backends[1].health->address(1), "127.0.0.1:9001");
}

TEST(CarryHealth, ABackendRenamedIsANewBackend) {
  auto running = build_snapshot(config(), "gw.yaml");
  eject(*running, 1);
  std::string renamed = config();
  for (auto at = renamed.find("svc"); at != std::string::npos; at = renamed.find("svc", at + 4)) renamed.replace(at, 3, "svc2");
  auto next = build_snapshot(renamed, "gw.yaml");
  carry_health(*next, *running);
  EXPECT_TRUE(next->backends[1].health->any_usable(kNow));
}

TEST(ExplainFallback, KeepsTheBucketAndSaysWhyTheFallbackServes) {
  auto snapshot = build_snapshot(config(), "gw.yaml");
  const auto& route = snapshot->config.routes[0];
  Explanation explanation = explain(snapshot->config, route, snapshot->plans[0], nullptr, "user-1");
  // Whichever backend the bucket picks, name it and stand the fallback in for it.
  const std::string picked = explanation.backend;
  const auto bucket = explanation.bucket;
  upstream::BackendDown down{true, 1796652131000, "ejected after 5 5xx answers in a row for 30s"};
  explain_fallback(explanation, "legacy", down);
  EXPECT_EQ(explanation.backend, "legacy");
  EXPECT_EQ(explanation.bucketed_backend, picked);
  EXPECT_EQ(explanation.bucket, bucket);
  EXPECT_EQ(explanation.reason, ExplainReason::health_fallback);
  EXPECT_THAT(explanation.detail, HasSubstr(picked + " has no usable endpoint since 2026-12-07T"));
  EXPECT_THAT(explanation.detail, HasSubstr("(ejected after 5 5xx answers in a row for 30s): serving legacy"));
  const auto json = to_json(explanation, "notes", "user-1");
  EXPECT_EQ(json["bucketed_backend"], picked);
  EXPECT_EQ(json["reason"], "health_fallback");
}

}  // namespace
}  // namespace cutover::runtime
