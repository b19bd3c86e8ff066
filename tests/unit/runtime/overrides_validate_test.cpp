// Bad admin input gets the right status and a message that says what to fix (issue 3, §2-3).
#include <gtest/gtest.h>

#include "cutover/runtime/overrides.hpp"
#include "overrides_fixture.hpp"

namespace cutover::runtime {
namespace {

using test::route_of;
using test::standard_config;

OverrideError split_error(std::string_view route, SplitShares split) {
  const auto error = validate_split(standard_config(), route, split);
  return error ? *error : OverrideError{0, "accepted"};
}

TEST(ValidateSplit, AcceptsTheRoutesOwnBackends) {
  const auto config = standard_config();
  EXPECT_EQ(validate_split(config, "notes", {{"notes-svc", 5000}}), std::nullopt);
  EXPECT_EQ(validate_split(config, "notes", {{"notes-svc", 10000}}), std::nullopt);
  EXPECT_EQ(validate_split(config, "notes", {{"notes-svc", 0}}), std::nullopt);
  EXPECT_EQ(validate_split(config, "search", {{"search-svc", 2000}, {"static-svc", 8000}}),
            std::nullopt);
  EXPECT_EQ(validate_split(config, "search", {{"static-svc", 100}}), std::nullopt);
  // A finished migration can be ramped back down: its backend against its rollback_to.
  EXPECT_EQ(validate_split(config, "migrated", {{"notes-svc", 9000}}), std::nullopt);
}

TEST(ValidateSplit, UnknownRouteIs404AndListsTheRoutes) {
  const auto error = split_error("nope", {{"notes-svc", 5000}});
  EXPECT_EQ(error.status, 404);
  EXPECT_EQ(error.message, "no route 'nope'; routes: notes, search, migrated, default, random");
}

TEST(ValidateSplit, UnknownBackendListsAllBackends) {
  const auto error = split_error("notes", {{"notes-v2", 5000}});
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.message,
            "unknown backend 'notes-v2'; backends: legacy, notes-svc, search-svc, static-svc");
}

TEST(ValidateSplit, BackendOfAnotherRouteListsTheRoutesBackends) {
  const auto error = split_error("notes", {{"search-svc", 500}});
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.message,
            "backend 'search-svc' does not serve route 'notes'; a split override of route "
            "'notes' may name: notes-svc (rollback_to 'legacy' takes the rest)");
}

TEST(ValidateSplit, RollbackToTakesTheRestAndIsNotNamed) {
  const auto error = split_error("notes", {{"legacy", 5000}, {"notes-svc", 5000}});
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.message,
            "'legacy' is the route's rollback_to and takes the rest; a split override of route "
            "'notes' may name: notes-svc (rollback_to 'legacy' takes the rest)");
}

TEST(ValidateSplit, SharesOver100Percent) {
  const auto error = split_error("search", {{"search-svc", 6000}, {"static-svc", 4001}});
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.message,
            "the shares add up to 100.01%, over 100% (rollback_to 'legacy' takes the rest)");
}

TEST(ValidateSplit, ShareOutOfRangeFromANonJsonCaller) {
  const auto error = split_error("notes", {{"notes-svc", 10001}});
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.message,
            "'notes-svc' must be a percentage from 0 to 100; the shares add up to 100.01%, over "
            "100% (rollback_to 'legacy' takes the rest)");
}

TEST(ValidateSplit, EmptySplitPointsToRollback) {
  const auto error = split_error("notes", {});
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.message,
            "the split names no backend; a split override of route 'notes' may name: notes-svc "
            "(rollback_to 'legacy' takes the rest). To send everything to 'legacy', POST "
            "/admin/routes/notes/rollback");
}

TEST(ValidateSplit, DuplicateNames) {
  const auto error = split_error("notes", {{"notes-svc", 100}, {"notes-svc", 200}});
  EXPECT_EQ(error.message, "'notes-svc' is listed twice");
}

TEST(ValidateSplit, ReportsEveryProblemAtOnce) {
  const auto error = split_error("notes", {{"legacy", 100}, {"nope", 100}, {"search-svc", 100}});
  EXPECT_NE(error.message.find("'legacy' is the route's rollback_to"), std::string::npos);
  EXPECT_NE(error.message.find("unknown backend 'nope'"), std::string::npos);
  EXPECT_NE(error.message.find("backend 'search-svc' does not serve route 'notes'"),
            std::string::npos);
}

TEST(ValidateSplit, SingleBackendRouteWithoutRollbackToIs409) {
  const auto error = split_error("default", {{"notes-svc", 100}});
  EXPECT_EQ(error.status, 409);
  EXPECT_EQ(error.message,
            "route 'default' has one backend ('legacy') and no rollback_to, so it has no split to "
            "override; give it 'split' and 'rollback_to' in the config first");
}

TEST(ValidateRollback, RoutesWithRollbackTo) {
  const auto config = standard_config();
  for (const char* id : {"notes", "search", "migrated", "random"}) {
    EXPECT_EQ(validate_rollback(config, id), std::nullopt) << id;
  }
}

TEST(ValidateRollback, SingleBackendIs409AndUnknownIs404) {
  const auto config = standard_config();
  const auto single = validate_rollback(config, "default");
  ASSERT_TRUE(single);
  EXPECT_EQ(single->status, 409);
  EXPECT_EQ(single->message,
            "route 'default' has one backend ('legacy') and no rollback_to; there is nothing to "
            "roll back to");
  const auto unknown = validate_rollback(config, "nope");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);

  auto same = test::single_route("same", "/same", "legacy", "legacy");
  const auto self = validate_rollback(test::make_config({same}), "same");
  ASSERT_TRUE(self);
  EXPECT_EQ(self->message,
            "route 'same' has one backend ('legacy') and its rollback_to is that same backend; "
            "there is nothing to roll back to");
}

TEST(MakeOverride, StampsWhoWhyWhenAndTheFileSplit) {
  const auto config = standard_config();
  const auto split =
      make_split_override(route_of(config, "search"), {{"static-svc", 100}, {"search-svc", 2000}},
                          "alice", "p99 fine", 1763728358);
  EXPECT_EQ(split.kind, RouteOverride::Kind::split);
  EXPECT_EQ(split.split, (SplitShares{{"search-svc", 2000}, {"static-svc", 100}}));
  EXPECT_EQ(split.who, "alice");
  EXPECT_EQ(split.why, "p99 fine");
  EXPECT_EQ(split.at_unix, 1763728358);
  EXPECT_EQ(split.file_split, "search-svc 10%, static-svc 5%, rest legacy");

  const auto rollback = make_rollback_override(route_of(config, "migrated"), "bob", "5xx", 7);
  EXPECT_EQ(rollback.kind, RouteOverride::Kind::rollback);
  EXPECT_EQ(rollback.rollback_to, "legacy");
  EXPECT_EQ(rollback.file_split, "notes-svc, rollback_to legacy");
}

TEST(RollbackAll, OneOverridePerRouteThatCanRollBack) {
  const auto config = standard_config();
  OverrideSet set;
  set.routes["notes"] =
      make_split_override(route_of(config, "notes"), {{"notes-svc", 5000}}, "alice", "ramp", 1);
  set.routes["search"] = make_rollback_override(route_of(config, "search"), "bob", "earlier", 2);
  const auto rolled = rollback_all(config, set, "carol", "incident 42", 3);
  // The split override is replaced, the earlier rollback keeps its story, default is skipped.
  EXPECT_EQ(rolled, (std::vector<std::string>{"notes", "migrated", "random"}));
  ASSERT_EQ(set.routes.size(), 4u);
  EXPECT_EQ(set.routes.count("default"), 0u);
  EXPECT_EQ(set.routes["notes"].kind, RouteOverride::Kind::rollback);
  EXPECT_EQ(set.routes["notes"].who, "carol");
  EXPECT_EQ(set.routes["search"].who, "bob");
  EXPECT_EQ(set.routes["migrated"].rollback_to, "legacy");
  // Idempotent: a second call changes nothing.
  const auto before = set;
  EXPECT_TRUE(rollback_all(config, set, "dave", "again", 4).empty());
  EXPECT_EQ(set, before);
}

}  // namespace
}  // namespace cutover::runtime
