// The plan a route runs with an override on top of the YAML: rollback is total (invariant 4),
// a split override keeps the file's band layout so raising a share stays monotone (invariant 1),
// and an override the YAML moved under is applied or not as documented, and flagged stale.
#include <gtest/gtest.h>

#include "cutover/routing/route_table.hpp"
#include "cutover/runtime/overrides.hpp"
#include "overrides_fixture.hpp"

namespace cutover::runtime {
namespace {

using namespace test;

RouteOverride split_override(const config::Config& config, std::string_view route,
                             SplitShares split) {
  return make_split_override(route_of(config, route), std::move(split), "alice", "ramp", 100);
}

TEST(EffectivePlan, WithoutOverrideIsWhatRouteTableCompiles) {
  const auto config = standard_config();
  config::DiagnosticSink sink{"cutover.yaml"};
  const auto table = routing::RouteTable::build(config, sink);
  ASSERT_FALSE(sink.has_errors());
  for (const auto& route : table.routes()) {
    const auto plan = effective_plan(config, config.routes[route.index], nullptr);
    for (std::uint32_t b = 0; b < routing::kBucketCount; ++b) {
      ASSERT_EQ(routing::pick(plan, b), routing::pick(route.plan, b)) << route.id << " " << b;
    }
  }
}

TEST(EffectivePlan, RollbackSendsEveryBucketToRollbackTo) {
  const auto config = standard_config();
  for (const char* id : {"notes", "search", "migrated", "random"}) {
    const auto& route = route_of(config, id);
    const auto rollback = make_rollback_override(route, "bob", "5xx", 1);
    const auto plan = effective_plan(config, route, &rollback);
    EXPECT_FALSE(routing::splits(plan)) << id;
    for (std::uint32_t b = 0; b < routing::kBucketCount; ++b) {
      ASSERT_EQ(routing::pick(plan, b), kLegacy) << id << " bucket " << b;
    }
  }
}

TEST(EffectivePlan, SplitOverrideRaisingAShareIsMonotone) {
  const auto config = standard_config();
  const auto& route = route_of(config, "notes");
  const auto buckets = user_buckets("notes");
  // The file says 25%; the override walks 0..100% in 1% steps over 100,000 users.
  auto before = assign(effective_plan(config, route, nullptr), buckets);
  std::vector<std::uint16_t> previous;
  for (config::BasisPoints share = 0; share <= 10000; share += 100) {
    const auto override_ = split_override(config, "notes", {{"notes-svc", share}});
    const auto owners = assign(effective_plan(config, route, &override_), buckets);
    int on_new = 0;
    for (int u = 0; u < kUsers; ++u) {
      on_new += owners[u] == kNotes;
      if (!previous.empty() && previous[u] != owners[u]) {
        ASSERT_EQ(previous[u], kLegacy) << "user-" << u << " left notes-svc at " << share;
        ASSERT_EQ(owners[u], kNotes);
      }
      // Against the file's 25%: above it nobody leaves notes-svc, below it nobody joins.
      if (share >= 2500 && before[u] == kNotes) {
        ASSERT_EQ(owners[u], kNotes);
      }
      if (share <= 2500 && before[u] == kLegacy) {
        ASSERT_EQ(owners[u], kLegacy);
      }
    }
    EXPECT_NEAR(on_new * 100.0 / kUsers, share / 100.0, 0.5) << share;
    previous = owners;
  }
}

TEST(EffectivePlan, SplitOverrideKeepsTheFilesTargetOrder) {
  const auto config = standard_config();
  const auto& route = route_of(config, "search");
  // Named alone, static-svc is still the file's second target: it grows down from 9999, and
  // search-svc (unnamed) gets 0%.
  const auto override_ = split_override(config, "search", {{"static-svc", 2000}});
  const auto plan = effective_plan(config, route, &override_);
  ASSERT_EQ(plan.bands.size(), 1u);
  EXPECT_EQ(plan.bands[0].begin, 8000u);
  EXPECT_EQ(plan.bands[0].end, 10000u);
  EXPECT_EQ(plan.bands[0].backend, kStatic);
  // Raising static-svc only takes buckets from legacy, whatever search-svc does.
  const auto file = effective_plan(config, route, nullptr);
  for (std::uint32_t b = 0; b < routing::kBucketCount; ++b) {
    if (routing::pick(file, b) == kStatic) {
      ASSERT_EQ(routing::pick(plan, b), kStatic);
    }
  }
}

TEST(EffectivePlan, SingleBackendWithRollbackToCanRampDown) {
  const auto config = standard_config();
  const auto& route = route_of(config, "migrated");
  const auto override_ = split_override(config, "migrated", {{"notes-svc", 9000}});
  const auto plan = effective_plan(config, route, &override_);
  EXPECT_EQ(routing::pick(plan, 8999), kNotes);
  EXPECT_EQ(routing::pick(plan, 9000), kLegacy);
}

TEST(FitOverride, FreshOverrideAppliesAndIsNotStale) {
  const auto config = standard_config();
  const auto fit = fit_override(config, route_of(config, "notes"),
                                split_override(config, "notes", {{"notes-svc", 5000}}));
  EXPECT_TRUE(fit.applied);
  EXPECT_FALSE(fit.stale);
  EXPECT_EQ(fit.reason, "");
}

TEST(FitOverride, FileShareChangedKeepsTheOverrideAndSaysSo) {
  const auto override_ = split_override(standard_config(), "notes", {{"notes-svc", 5000}});
  const auto edited = standard_config(4000);
  const auto& route = route_of(edited, "notes");
  const auto fit = fit_override(edited, route, override_);
  EXPECT_TRUE(fit.applied);
  EXPECT_TRUE(fit.stale);
  EXPECT_EQ(fit.reason,
            "the file's split changed since the override was set (was 'notes-svc 25%, rest "
            "legacy', now 'notes-svc 40%, rest legacy'); the override still applies (DELETE "
            "/admin/routes/notes/override to follow the file)");
  EXPECT_EQ(routing::pick(effective_plan(edited, route, &override_), 4999), kNotes);
}

TEST(FitOverride, AnOverrideFoldedIntoTheFileSaysNothingMovesWhenItGoes) {
  const auto override_ = split_override(standard_config(), "notes", {{"notes-svc", 4000}});
  const auto folded = standard_config(4000);
  const auto fit = fit_override(folded, route_of(folded, "notes"), override_);
  EXPECT_TRUE(fit.applied);
  EXPECT_TRUE(fit.stale);
  EXPECT_EQ(fit.reason,
            "the file's split changed since the override was set (was 'notes-svc 25%, rest "
            "legacy', now 'notes-svc 40%, rest legacy') and now says the same as the override: "
            "nothing moves when it goes (DELETE /admin/routes/notes/override to follow the file)");

  // A rollback folded in: the file gives the split target 0%.
  const auto rollback = make_rollback_override(route_of(standard_config(), "notes"), "bob", "", 1);
  const auto zero = standard_config(0);
  EXPECT_NE(fit_override(zero, route_of(zero, "notes"), rollback).reason.find("nothing moves when it goes"),
            std::string::npos);
}

TEST(FitOverride, RollbackHoldsWhenTheFileMovesRollbackTo) {
  const auto rollback = make_rollback_override(route_of(standard_config(), "notes"), "bob", "", 1);
  auto edited = standard_config();
  edited.routes[0].rollback_to = "static-svc";
  const auto fit = fit_override(edited, edited.routes[0], rollback);
  EXPECT_TRUE(fit.applied);
  EXPECT_TRUE(fit.stale);
  EXPECT_EQ(fit.reason.substr(0, fit.reason.find(" (DELETE")),
            "the file's rollback_to is now 'static-svc'; the rollback still sends everything to "
            "'legacy'");
  EXPECT_EQ(routing::pick(effective_plan(edited, edited.routes[0], &rollback), 0), kLegacy);

  // The route became a single backend without rollback_to: the rollback still holds.
  edited.routes[0] = single_route("notes", "/api/notes", "notes-svc");
  const auto gone = fit_override(edited, edited.routes[0], rollback);
  EXPECT_TRUE(gone.applied);
  EXPECT_NE(gone.reason.find("the route has no rollback_to any more"), std::string::npos);
  EXPECT_EQ(routing::pick(effective_plan(edited, edited.routes[0], &rollback), 0), kLegacy);
}

TEST(FitOverride, RollbackToARemovedBackendFallsBackToTheFilesRollbackTo) {
  auto rollback = make_rollback_override(route_of(standard_config(), "notes"), "bob", "", 1);
  rollback.rollback_to = "old-monolith";
  const auto config = standard_config();
  const auto& route = route_of(config, "notes");
  const auto fit = fit_override(config, route, rollback);
  EXPECT_TRUE(fit.applied);
  EXPECT_NE(fit.reason.find("backend 'old-monolith' is gone from the config; everything goes to "
                            "the route's rollback_to 'legacy' instead"),
            std::string::npos);
  const auto plan = effective_plan(config, route, &rollback);
  for (std::uint32_t b = 0; b < routing::kBucketCount; b += 7) {
    ASSERT_EQ(routing::pick(plan, b), kLegacy);
  }
}

TEST(FitOverride, SplitThatCannotApplyLeavesTheFileInCharge) {
  const auto config = standard_config();
  const auto& notes = route_of(config, "notes");
  const auto file = effective_plan(config, notes, nullptr);
  auto expect_file_decides = [&](const RouteOverride& override_, const std::string& reason) {
    const auto fit = fit_override(config, notes, override_);
    EXPECT_FALSE(fit.applied) << reason;
    EXPECT_TRUE(fit.stale);
    EXPECT_EQ(fit.reason.substr(0, fit.reason.find(" (DELETE")), reason);
    const auto plan = effective_plan(config, notes, &override_);
    for (std::uint32_t b = 0; b < routing::kBucketCount; b += 13)
      ASSERT_EQ(routing::pick(plan, b), routing::pick(file, b));
  };
  auto gone = split_override(config, "notes", {{"notes-v2", 5000}});
  expect_file_decides(gone,
                      "it names backend 'notes-v2', which the config no longer has; the "
                      "override is not applied, the file decides");
  auto now_rollback = split_override(config, "notes", {{"legacy", 5000}});
  expect_file_decides(now_rollback,
                      "it names 'legacy', now the route's rollback_to; the override "
                      "is not applied, the file decides");
  auto over = split_override(config, "notes", {{"notes-svc", 6000}, {"search-svc", 6000}});
  expect_file_decides(over,
                      "its shares add up to over 100%; the override is not applied, the "
                      "file decides");

  auto single = config;
  single.routes[0] = single_route("notes", "/api/notes", "notes-svc");
  const auto fit =
      fit_override(single, single.routes[0], split_override(config, "notes", {{"notes-svc", 100}}));
  EXPECT_FALSE(fit.applied);
  EXPECT_NE(fit.reason.find("the route has no rollback_to any more"), std::string::npos);
}

TEST(AppliedOverride, OnlyWhenItFits) {
  const auto config = standard_config();
  OverrideSet set;
  EXPECT_EQ(applied_override(config, route_of(config, "notes"), set), nullptr);
  set.routes["notes"] = split_override(config, "notes", {{"notes-svc", 5000}});
  set.routes["search"] = split_override(config, "search", {{"gone-svc", 5000}});
  EXPECT_EQ(applied_override(config, route_of(config, "notes"), set), set.find("notes"));
  EXPECT_EQ(applied_override(config, route_of(config, "search"), set), nullptr);
}

TEST(FitOverride, BackendDroppedFromTheRouteStillApplies) {
  const auto override_ =
      split_override(standard_config(), "search", {{"search-svc", 1000}, {"static-svc", 3000}});
  auto edited = standard_config();
  edited.routes[1] = split_route("search", "/api/search", {{"search-svc", 1000}});
  const auto fit = fit_override(edited, edited.routes[1], override_);
  EXPECT_TRUE(fit.applied);
  EXPECT_TRUE(fit.stale);
  EXPECT_NE(fit.reason.find("it names 'static-svc', no longer among the route's backends"),
            std::string::npos);
  const auto plan = effective_plan(edited, edited.routes[1], &override_);
  // static-svc keeps its position after search-svc (second: growing down from 9999), so its
  // users are the same ones as before the edit.
  const auto before_edit =
      effective_plan(standard_config(), route_of(standard_config(), "search"), &override_);
  for (std::uint32_t b = 0; b < routing::kBucketCount; ++b) {
    ASSERT_EQ(routing::pick(plan, b), routing::pick(before_edit, b)) << b;
  }
  EXPECT_EQ(routing::pick(plan, 999), kSearch);
  EXPECT_EQ(routing::pick(plan, 1000), kLegacy);
  EXPECT_EQ(routing::pick(plan, 6999), kLegacy);
  EXPECT_EQ(routing::pick(plan, 7000), kStatic);
}

}  // namespace
}  // namespace cutover::runtime
