// GET /admin/routes: file split, effective split, the override and plain-words staleness;
// orphaned overrides are listed and applied to nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cutover/runtime/overrides_describe.hpp"
#include "overrides_fixture.hpp"

namespace cutover::runtime {
namespace {

using namespace test;

TEST(PlanShares, FileOrderZeroSharesAndRollbackToLast) {
  const auto config = standard_config();
  const auto& search = route_of(config, "search");
  EXPECT_EQ(plan_shares(config, search, effective_plan(config, search, nullptr)),
            (std::vector<BackendShare>{
                {"search-svc", 1000, false}, {"static-svc", 500, false}, {"legacy", 8500, true}}));
  const auto override_ = make_split_override(search, {{"static-svc", 2000}}, "a", "", 1);
  EXPECT_EQ(plan_shares(config, search, effective_plan(config, search, &override_)),
            (std::vector<BackendShare>{
                {"search-svc", 0, false}, {"static-svc", 2000, false}, {"legacy", 8000, true}}));
  const auto& single = route_of(config, "default");
  EXPECT_EQ(plan_shares(config, single, effective_plan(config, single, nullptr)),
            (std::vector<BackendShare>{{"legacy", 10000, false}}));
  const auto& migrated = route_of(config, "migrated");
  const auto rollback = make_rollback_override(migrated, "b", "", 1);
  EXPECT_EQ(plan_shares(config, migrated, effective_plan(config, migrated, &rollback)),
            (std::vector<BackendShare>{{"notes-svc", 0, false}, {"legacy", 10000, true}}));
}

TEST(DescribeRoutes, FileAndEffectiveSplitWithOverride) {
  const auto config = standard_config();
  OverrideSet set;
  set.routes["notes"] = make_split_override(route_of(config, "notes"), {{"notes-svc", 5000}},
                                            "alice", "p99 ok", 1763728358);
  const auto report = describe_routes(config, set);
  ASSERT_EQ(report.routes.size(), 5u);
  EXPECT_TRUE(report.orphaned.empty());
  const auto& notes = report.routes[0];
  EXPECT_EQ(notes.file_split,
            (std::vector<BackendShare>{{"notes-svc", 2500, false}, {"legacy", 7500, true}}));
  EXPECT_EQ(notes.effective_split,
            (std::vector<BackendShare>{{"notes-svc", 5000, false}, {"legacy", 5000, true}}));
  ASSERT_TRUE(notes.override_);
  EXPECT_TRUE(notes.fit.applied);
  EXPECT_FALSE(notes.fit.stale);
  EXPECT_FALSE(report.routes[1].override_);

  const auto json = to_json(notes);
  EXPECT_EQ(json["file_split"].dump(),
            R"([{"backend":"notes-svc","percent":25},)"
            R"({"backend":"legacy","percent":75,"rollback_to":true}])");
  EXPECT_EQ(json["override"].dump(),
            R"({"applied":true,"at":"2025-11-21T12:32:38Z","at_unix":1763728358,"kind":"split",)"
            R"("reason":"p99 ok","split":{"notes-svc":50},"stale":false,"who":"alice"})");
  EXPECT_TRUE(to_json(report.routes[1])["override"].is_null());
}

TEST(DescribeRoutes, StaleOverrideSaysWhy) {
  OverrideSet set;
  set.routes["notes"] =
      make_rollback_override(route_of(standard_config(), "notes"), "bob", "5xx", 1);
  const auto edited = standard_config(5000);
  const auto report = describe_routes(edited, set);
  const auto json = to_json(report.routes[0]);
  EXPECT_EQ(json["override"]["stale"], true);
  EXPECT_EQ(json["override"]["applied"], true);
  EXPECT_EQ(json["override"]["stale_reason"],
            "the file's split changed since the override was set (was 'notes-svc 25%, rest "
            "legacy', now 'notes-svc 50%, rest legacy'); the rollback still sends everything to "
            "'legacy' (DELETE /admin/routes/notes/override to follow the file)");
  EXPECT_EQ(report.routes[0].effective_split,
            (std::vector<BackendShare>{{"notes-svc", 0, false}, {"legacy", 10000, true}}));
}

TEST(DescribeRoutes, OverrideOfAVanishedRouteIsOrphaned) {
  const auto config = standard_config();
  OverrideSet set;
  set.routes["checkout"] =
      make_rollback_override(split_route("checkout", "/c", {{"notes-svc", 1}}), "bob", "", 1);
  const auto report = describe_routes(config, set);
  ASSERT_EQ(report.orphaned.size(), 1u);
  EXPECT_EQ(report.orphaned[0].route_id, "checkout");
  EXPECT_EQ(report.orphaned[0].reason,
            "route 'checkout' is no longer in the config; nothing is applied (DELETE "
            "/admin/routes/checkout/override to drop it)");
  for (const auto& route : report.routes) EXPECT_FALSE(route.override_) << route.id;
  const auto json = to_json(report);
  ASSERT_EQ(json["orphaned_overrides"].size(), 1u);
  EXPECT_EQ(json["orphaned_overrides"][0]["route"], "checkout");
  EXPECT_EQ(json["orphaned_overrides"][0]["override"]["applied"], false);
  EXPECT_EQ(json["orphaned_overrides"][0]["override"]["stale"], true);
  EXPECT_EQ(json["routes"].size(), 5u);
}

TEST(UtcText, Iso8601) {
  EXPECT_EQ(utc_text(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(utc_text(1763728358), "2025-11-21T12:32:38Z");
}

}  // namespace
}  // namespace cutover::runtime
