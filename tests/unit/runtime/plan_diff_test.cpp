// Dry-run numbers are exact: moved_share() from band arithmetic equals counting every bucket,
// and matches what 100,000 simulated users do.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include <nlohmann/json.hpp>

#include "cutover/runtime/plan_diff.hpp"
#include "overrides_fixture.hpp"

namespace cutover::runtime {
namespace {

using namespace test;

routing::SplitPlan plan_of(std::vector<routing::WeightedBackend> targets,
                           std::uint16_t rollback_to = kLegacy) {
  return routing::plan_split(targets, rollback_to);
}

// The reference: every bucket, one by one.
std::vector<Move> count_buckets(const routing::SplitPlan& before, const routing::SplitPlan& after) {
  std::map<std::pair<std::uint16_t, std::uint16_t>, config::BasisPoints> moved;
  for (std::uint32_t b = 0; b < routing::kBucketCount; ++b) {
    const auto from = routing::pick(before, b);
    const auto to = routing::pick(after, b);
    if (from != to) ++moved[{from, to}];
  }
  std::vector<Move> moves;
  for (const auto& [key, share] : moved) moves.push_back({key.first, key.second, share});
  return moves;
}

TEST(MovedShare, RampFrom25To50IsExactly25PercentLegacyToNew) {
  const auto before = plan_of({{kNotes, 2500}});
  const auto after = plan_of({{kNotes, 5000}});
  const auto moves = moved_share(before, after);
  EXPECT_EQ(moves, (std::vector<Move>{{kLegacy, kNotes, 2500}}));
  EXPECT_EQ(total_moved(moves), 2500u);
  // 100,000 real users: the observed share that moved is within half a point of 25%.
  const auto buckets = user_buckets("notes");
  const auto a = assign(before, buckets);
  const auto b = assign(after, buckets);
  int moved = 0;
  for (int u = 0; u < kUsers; ++u) {
    if (a[u] == b[u]) continue;
    ASSERT_EQ(a[u], kLegacy);
    ASSERT_EQ(b[u], kNotes);
    ++moved;
  }
  EXPECT_NEAR(moved * 100.0 / kUsers, 25.0, 0.5);
}

TEST(MovedShare, SamePlanMovesNobody) {
  const auto plan = plan_of({{kNotes, 1234}, {kSearch, 500}, {kStatic, 1}});
  EXPECT_TRUE(moved_share(plan, plan).empty());
  EXPECT_TRUE(moved_share(routing::single_backend(kLegacy), plan_of({})).empty());
}

TEST(MovedShare, RollbackMovesEveryoneOffTheNewBackends) {
  const auto before = plan_of({{kNotes, 3000}, {kSearch, 1000}});
  EXPECT_EQ(moved_share(before, routing::single_backend(kLegacy)),
            (std::vector<Move>{{kNotes, kLegacy, 3000}, {kSearch, kLegacy, 1000}}));
}

TEST(MovedShare, MatchesCountingEveryBucketForRandomPlans) {
  std::mt19937 random(20251121);  // fixed: a failure must reproduce
  auto random_plan = [&] {
    std::vector<routing::WeightedBackend> targets;
    std::uint32_t left = config::kAllTraffic;
    const int count = std::uniform_int_distribution<int>(0, 3)(random);
    for (int i = 0; i < count; ++i) {
      const auto share = std::uniform_int_distribution<std::uint32_t>(0, left)(random);
      targets.push_back({static_cast<std::uint16_t>(i + 1), share});
      left -= share;
    }
    return plan_of(
        targets, static_cast<std::uint16_t>(std::uniform_int_distribution<int>(0, 1)(random) * 4));
  };
  for (int round = 0; round < 300; ++round) {
    const auto before = random_plan();
    const auto after = random_plan();
    ASSERT_EQ(moved_share(before, after), count_buckets(before, after)) << "round " << round;
  }
}

TEST(MovedShare, AcrossConfigsComparesBackendsByName) {
  // The reload adds a backend in front: every index shifts by one, no user moves.
  const auto before_config = make_config({}, {"legacy", "notes-svc"});
  const auto after_config = make_config({}, {"canary", "legacy", "notes-svc"});
  const auto before = plan_of({{1, 2500}}, 0);
  const auto after = plan_of({{2, 3000}}, 1);
  EXPECT_EQ(moved_share(before_config, before, after_config, after),
            (std::vector<NamedMove>{{"legacy", "notes-svc", 500}}));
}

TEST(DiffConfigs, ReportsEachRoutesExactMoves) {
  const auto before = standard_config(2500);
  const auto after = standard_config(5000);
  const auto diffs = diff_configs(before, after, {});
  ASSERT_EQ(diffs.size(), 5u);
  EXPECT_EQ(diffs[0].id, "notes");
  EXPECT_EQ(diffs[0].change, RouteDiff::Change::changed);
  EXPECT_TRUE(diffs[0].exact);
  EXPECT_EQ(diffs[0].moves, (std::vector<NamedMove>{{"legacy", "notes-svc", 2500}}));
  EXPECT_EQ(diffs[0].moved, 2500u);
  for (std::size_t i = 1; i < diffs.size(); ++i) {
    EXPECT_EQ(diffs[i].change, RouteDiff::Change::unchanged) << diffs[i].id;
    EXPECT_EQ(diffs[i].moved, 0u) << diffs[i].id;
  }
  EXPECT_EQ(to_json(diffs[0]).dump(),
            R"({"after":[{"backend":"notes-svc","percent":50},{"backend":"legacy","percent":50}],)"
            R"("before":[{"backend":"notes-svc","percent":25},{"backend":"legacy","percent":75}],)"
            R"("change":"changed","exact":true,"id":"notes","moved_percent":25,)"
            R"("moves":[{"from":"legacy","percent":25,"to":"notes-svc"}],"notes":[]})");
}

TEST(DiffConfigs, AnOverrideThatStillAppliesMeansNobodyMoves) {
  const auto before = standard_config(2500);
  OverrideSet set;
  set.routes["notes"] = make_rollback_override(route_of(before, "notes"), "bob", "5xx", 1);
  const auto diffs = diff_configs(before, standard_config(5000), set);
  EXPECT_EQ(diffs[0].moved, 0u);
  ASSERT_EQ(diffs[0].notes.size(), 1u);
  EXPECT_EQ(diffs[0].notes[0].rfind("after the reload the override is stale: the file's split "
                                    "changed",
                                    0),
            0u);
}

TEST(DiffConfigs, CohortChangeIsAnEstimate) {
  const auto before = standard_config(5000);
  auto after = before;
  after.routes[0].cohort = "notes-v2";
  const auto diffs = diff_configs(before, after, {});
  EXPECT_EQ(diffs[0].change, RouteDiff::Change::changed);
  EXPECT_FALSE(diffs[0].exact);
  // Independent re-bucketing at 50/50: a quarter moves each way.
  EXPECT_EQ(diffs[0].moves,
            (std::vector<NamedMove>{{"legacy", "notes-svc", 2500}, {"notes-svc", "legacy", 2500}}));
  EXPECT_EQ(diffs[0].moved, 5000u);
  // Check the estimate against 100,000 users.
  const auto plan = effective_plan(before, before.routes[0], nullptr);
  const auto a = assign(plan, user_buckets("notes"));
  const auto b = assign(plan, user_buckets("notes-v2"));
  int moved = 0;
  for (int u = 0; u < kUsers; ++u) moved += a[u] != b[u];
  EXPECT_NEAR(moved * 100.0 / kUsers, 50.0, 0.5);
}

TEST(DiffConfigs, StickyNoneIsNotExact) {
  const auto before = standard_config();
  auto after = before;
  after.routes[4].split[0].share = 7000;
  const auto diffs = diff_configs(before, after, {});
  EXPECT_EQ(diffs[4].id, "random");
  EXPECT_FALSE(diffs[4].exact);
  EXPECT_EQ(diffs[4].moved, 2000u);
  EXPECT_NE(diffs[4].notes[0].find("sticky: none"), std::string::npos);
}

TEST(DiffConfigs, AddedAndRemovedRoutes) {
  const auto before = standard_config();
  auto after = before;
  after.routes.erase(after.routes.begin() + 1);  // search
  after.routes.push_back(split_route("checkout", "/checkout", {{"notes-svc", 100}}));
  OverrideSet set;
  set.routes["search"] = make_rollback_override(route_of(before, "search"), "bob", "", 1);
  const auto diffs = diff_configs(before, after, set);
  ASSERT_EQ(diffs.size(), 6u);
  EXPECT_EQ(diffs[4].id, "checkout");
  EXPECT_EQ(diffs[4].change, RouteDiff::Change::added);
  EXPECT_TRUE(diffs[4].before_split.empty());
  EXPECT_EQ(diffs[5].id, "search");
  EXPECT_EQ(diffs[5].change, RouteDiff::Change::removed);
  EXPECT_EQ(diffs[5].notes.back(), "its override is kept as orphaned until deleted");
}

}  // namespace
}  // namespace cutover::runtime
