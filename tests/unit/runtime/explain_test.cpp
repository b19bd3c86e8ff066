// explain() agrees with pick() for every user and says why in checkable words.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cutover/runtime/explain.hpp"
#include "overrides_fixture.hpp"

namespace cutover::runtime {
namespace {

using namespace test;

Explanation explain_route(const config::Config& config, std::string_view id, std::string_view user,
                          const RouteOverride* override_ = nullptr) {
  const auto& route = route_of(config, id);
  return explain(config, route, effective_plan(config, route, override_), override_, user);
}

TEST(Explain, BucketBelowThreshold) {
  const auto config = standard_config();
  // bucket_of("notes", "user-0") is pinned to 1122 by the routing tests.
  const auto e = explain_route(config, "notes", "user-0");
  EXPECT_EQ(e.backend, "notes-svc");
  EXPECT_EQ(e.bucket, 1122u);
  EXPECT_EQ(e.reason, ExplainReason::bucket_band);
  EXPECT_EQ(e.detail, "bucket 1122 < 2500: notes-svc");
  EXPECT_EQ(to_json(e, "notes", "user-0").dump(),
            R"({"backend":"notes-svc","bucket":1122,"detail":"bucket 1122 < 2500: notes-svc",)"
            R"("reason":"bucket_band","route":"notes","user":"user-0"})");
}

TEST(Explain, BucketInTheRest) {
  const auto config = standard_config();
  // bucket_of("notes", "alice") is 6066.
  const auto e = explain_route(config, "notes", "alice");
  EXPECT_EQ(e.backend, "legacy");
  EXPECT_EQ(e.reason, ExplainReason::bucket_rest);
  EXPECT_EQ(e.detail,
            "bucket 6066 is in no split band (notes-svc [0, 2500)): rollback_to legacy takes the "
            "rest");
}

TEST(Explain, SecondTargetGrowsDownFromTheTop) {
  auto config = standard_config();
  config.routes[1].cohort = "notes";  // search shares the notes cohort: user-42 ... pick one high
  config.routes[1].split[1].share = 5000;  // static-svc [5000, 10000)
  const auto e = explain_route(config, "search", "alice");
  EXPECT_EQ(e.backend, "static-svc");
  EXPECT_EQ(e.detail, "bucket 6066 >= 5000: static-svc");
}

TEST(Explain, AgreesWithPickForManyUsers) {
  const auto config = standard_config();
  const auto& route = route_of(config, "search");
  const auto plan = effective_plan(config, route, nullptr);
  for (int u = 0; u < 20000; ++u) {
    const std::string user = "user-" + std::to_string(u);
    const auto e = explain(config, route, plan, nullptr, user);
    const auto bucket = routing::bucket_of("search", user);
    ASSERT_EQ(e.bucket, bucket);
    ASSERT_EQ(e.backend, config.backends[routing::pick(plan, bucket)].name) << user;
    ASSERT_EQ(e.reason,
              e.backend == "legacy" ? ExplainReason::bucket_rest : ExplainReason::bucket_band);
  }
}

TEST(Explain, RollbackOverride) {
  const auto config = standard_config();
  const auto rollback =
      make_rollback_override(route_of(config, "notes"), "bob", "5xx on notes-svc", 1763728358);
  const auto e = explain_route(config, "notes", "user-0", &rollback);
  EXPECT_EQ(e.backend, "legacy");
  EXPECT_EQ(e.bucket, 1122u);  // still shown: it decides again once the rollback is cleared
  EXPECT_EQ(e.reason, ExplainReason::override_rollback);
  EXPECT_EQ(
      e.detail,
      "rollback by bob at 2025-11-21T12:32:38Z (5xx on notes-svc): everything goes to legacy");
}

TEST(Explain, SplitOverride) {
  const auto config = standard_config();
  const auto split = make_split_override(route_of(config, "notes"), {{"notes-svc", 1000}}, "alice",
                                         "", 1763728358);
  const auto e = explain_route(config, "notes", "user-0", &split);
  EXPECT_EQ(e.backend, "legacy");
  EXPECT_EQ(e.reason, ExplainReason::override_split);
  EXPECT_EQ(e.detail,
            "split override by alice at 2025-11-21T12:32:38Z: bucket 1122 is in no split band "
            "(notes-svc [0, 1000)): rollback_to legacy takes the rest");
  const auto zero = make_split_override(route_of(config, "notes"), {{"notes-svc", 0}}, "", "", 0);
  const auto none = explain_route(config, "notes", "user-0", &zero);
  EXPECT_EQ(none.reason, ExplainReason::override_split);
  EXPECT_EQ(none.detail,
            "split override by (unknown) at 1970-01-01T00:00:00Z: everything goes to legacy");
}

TEST(Explain, SingleBackend) {
  const auto config = standard_config();
  const auto e = explain_route(config, "default", "user-0");
  EXPECT_EQ(e.backend, "legacy");
  EXPECT_EQ(e.reason, ExplainReason::single_backend);
  EXPECT_EQ(e.detail, "the route has one backend: legacy");
}

TEST(Explain, StickyNoneHasNoPerUserAnswer) {
  const auto config = standard_config();
  const auto e = explain_route(config, "random", "user-0");
  EXPECT_EQ(e.backend, "");
  EXPECT_EQ(e.bucket, std::nullopt);
  EXPECT_EQ(e.reason, ExplainReason::sticky_none);
  EXPECT_EQ(e.detail,
            "sticky: none picks a backend at random for each request: notes-svc 50%, legacy 50%");
  const auto json = to_json(e, "random", "user-0");
  EXPECT_TRUE(json["backend"].is_null());
  EXPECT_TRUE(json["bucket"].is_null());
}

TEST(Explain, ReasonNamesAreStable) {
  // Clients switch on these strings, including the ones reserved for later pick steps.
  EXPECT_EQ(to_string(ExplainReason::override_rollback), "override_rollback");
  EXPECT_EQ(to_string(ExplainReason::override_split), "override_split");
  EXPECT_EQ(to_string(ExplainReason::single_backend), "single_backend");
  EXPECT_EQ(to_string(ExplainReason::sticky_none), "sticky_none");
  EXPECT_EQ(to_string(ExplainReason::bucket_band), "bucket_band");
  EXPECT_EQ(to_string(ExplainReason::bucket_rest), "bucket_rest");
  EXPECT_EQ(to_string(ExplainReason::allowlist), "allowlist");
  EXPECT_EQ(to_string(ExplainReason::health_fallback), "health_fallback");
}

}  // namespace
}  // namespace cutover::runtime
