// Invariant 1 (DESIGN.md): a user's bucket is stable forever and raising a share only moves users
// from rollback_to to the raised backend.
#include "cutover/routing/split.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace cutover::routing {
namespace {

constexpr std::uint16_t kLegacy = 0;
constexpr std::uint16_t kNew = 1;
constexpr std::uint16_t kOther = 2;
constexpr int kUsers = 100000;

// Buckets of "user-0".."user-99999" in one cohort, computed once per test.
std::vector<std::uint32_t> user_buckets(std::string_view cohort) {
  std::vector<std::uint32_t> buckets;
  buckets.reserve(kUsers);
  for (int i = 0; i < kUsers; ++i)
    buckets.push_back(bucket_of(cohort, "user-" + std::to_string(i)));
  return buckets;
}

std::vector<std::uint16_t> assign(const SplitPlan& plan,
                                  const std::vector<std::uint32_t>& buckets) {
  std::vector<std::uint16_t> owners;
  owners.reserve(buckets.size());
  for (auto bucket : buckets) owners.push_back(pick(plan, bucket));
  return owners;
}

// Pinned so that any change to the hash, seed, separator or modulus fails here: such a change
// would silently move users between backends on upgrade. Values are XXH64 (seed 0) of
// cohort + '\x1f' + user, mod 10000, computed with libxxhash's one-shot XXH64().
TEST(BucketOf, IsPinnedForever) {
  EXPECT_EQ(bucket_of("notes", "user-0"), 1122u);
  EXPECT_EQ(bucket_of("notes", "user-1"), 2395u);
  EXPECT_EQ(bucket_of("notes", "alice"), 6066u);
  EXPECT_EQ(bucket_of("checkout", "user-0"), 62u);
  EXPECT_EQ(bucket_of("", ""), 8373u);
  EXPECT_EQ(bucket_of("notes-read", "user-42"), 9769u);
}

TEST(BucketOf, SeparatesCohortFromUser) {
  // Without the separator both would hash "notesuser".
  EXPECT_NE(bucket_of("notes", "user"), bucket_of("notesu", "ser"));
}

TEST(BucketOf, CohortsAreIndependent) {
  const auto a = user_buckets("notes");
  const auto b = user_buckets("search");
  int same = 0;
  for (int i = 0; i < kUsers; ++i) {
    ASSERT_LT(a[i], kBucketCount);
    same += a[i] == b[i];
  }
  EXPECT_LT(same, 100);  // ~10 expected by chance
}

TEST(PlanSplit, LaysOutBandsFromBothEnds) {
  const std::vector<WeightedBackend> targets{{1, 2500}, {2, 1000}, {3, 500}, {4, 0}, {5, 100}};
  const auto plan = plan_split(targets, kLegacy);
  ASSERT_EQ(plan.bands.size(), 4u);
  EXPECT_EQ(plan.rollback_to, kLegacy);
  // First grows up from 0, further ones stack after it, the second grows down from 9999.
  EXPECT_EQ(
      (std::vector<std::uint32_t>{plan.bands[0].begin, plan.bands[0].end, plan.bands[0].backend}),
      (std::vector<std::uint32_t>{0, 2500, 1}));
  EXPECT_EQ(
      (std::vector<std::uint32_t>{plan.bands[1].begin, plan.bands[1].end, plan.bands[1].backend}),
      (std::vector<std::uint32_t>{2500, 3000, 3}));
  EXPECT_EQ(
      (std::vector<std::uint32_t>{plan.bands[2].begin, plan.bands[2].end, plan.bands[2].backend}),
      (std::vector<std::uint32_t>{3000, 3100, 5}));
  EXPECT_EQ(
      (std::vector<std::uint32_t>{plan.bands[3].begin, plan.bands[3].end, plan.bands[3].backend}),
      (std::vector<std::uint32_t>{9000, 10000, 2}));
  EXPECT_EQ(pick(plan, 0), 1);
  EXPECT_EQ(pick(plan, 2499), 1);
  EXPECT_EQ(pick(plan, 2500), 3);
  EXPECT_EQ(pick(plan, 3099), 5);
  EXPECT_EQ(pick(plan, 3100), kLegacy);
  EXPECT_EQ(pick(plan, 8999), kLegacy);
  EXPECT_EQ(pick(plan, 9000), 2);
  EXPECT_EQ(pick(plan, 9999), 2);
}

TEST(PlanSplit, ZeroSharesAndEmptySplitGoToRollback) {
  const std::vector<WeightedBackend> zero{{kNew, 0}, {kOther, 0}};
  const auto plan = plan_split(zero, kLegacy);
  EXPECT_TRUE(plan.bands.empty());
  EXPECT_EQ(pick(plan, 0), kLegacy);
  EXPECT_EQ(pick(plan, 9999), kLegacy);
  EXPECT_TRUE(plan_split({}, kLegacy).bands.empty());
}

TEST(PlanSplit, FullShareCoversEveryBucket) {
  const std::vector<WeightedBackend> all{{kNew, 10000}};
  const auto plan = plan_split(all, kLegacy);
  for (std::uint32_t b = 0; b < kBucketCount; ++b) ASSERT_EQ(pick(plan, b), kNew);
  const std::vector<WeightedBackend> halves{{kNew, 5000}, {kOther, 5000}};
  const auto split = plan_split(halves, kLegacy);
  for (std::uint32_t b = 0; b < kBucketCount; ++b)
    ASSERT_EQ(pick(split, b), b < 5000 ? kNew : kOther);
}

TEST(PlanSplit, OverfullSharesStillGiveDisjointBands) {
  const std::vector<WeightedBackend> too_much{{kNew, 8000}, {kOther, 8000}, {3, 100}};
  const auto plan = plan_split(too_much, kLegacy);
  std::uint32_t covered = 0;
  for (const auto& band : plan.bands) covered += band.end - band.begin;
  EXPECT_EQ(covered, kBucketCount);
  EXPECT_EQ(pick(plan, 7999), kNew);
  EXPECT_EQ(pick(plan, 8000), kOther);
}

TEST(SingleBackend, OwnsEverything) {
  const auto plan = single_backend(3);
  ASSERT_EQ(plan.bands.size(), 1u);
  EXPECT_EQ(pick(plan, 0), 3);
  EXPECT_EQ(pick(plan, kBucketCount - 1), 3);
}

TEST(Monotonicity, RaisingOneShareOnlyMovesUsersFromLegacyToNew) {
  const auto buckets = user_buckets("notes");
  std::vector<std::uint16_t> before = assign(plan_split({}, kLegacy), buckets);
  for (int percent = 1; percent <= 100; ++percent) {
    const std::vector<WeightedBackend> targets{
        {kNew, static_cast<config::BasisPoints>(percent * 100)}};
    const auto after = assign(plan_split(targets, kLegacy), buckets);
    for (int u = 0; u < kUsers; ++u) {
      if (before[u] == after[u]) continue;
      ASSERT_EQ(before[u], kLegacy) << "user-" << u << " left new at " << percent << "%";
      ASSERT_EQ(after[u], kNew) << "user-" << u << " at " << percent << "%";
    }
    before = after;
  }
  for (auto owner : before) ASSERT_EQ(owner, kNew);
}

// With two targets, raising either one takes users only from rollback_to, never from the other.
TEST(Monotonicity, RaisingEitherOfTwoTargetsOnlyTakesFromRollback) {
  const auto buckets = user_buckets("notes");
  for (const bool raise_first : {true, false}) {
    const auto plan_at = [&](int percent) {
      const auto raised = static_cast<config::BasisPoints>(percent * 100);
      const std::vector<WeightedBackend> targets{{kNew, raise_first ? raised : 3000u},
                                                 {kOther, raise_first ? 3000u : raised}};
      return plan_split(targets, kLegacy);
    };
    const std::uint16_t raised_backend = raise_first ? kNew : kOther;
    auto before = assign(plan_at(0), buckets);
    for (int percent = 1; percent <= 70; ++percent) {
      const auto after = assign(plan_at(percent), buckets);
      for (int u = 0; u < kUsers; ++u) {
        if (before[u] == after[u]) continue;
        ASSERT_EQ(before[u], kLegacy)
            << "user-" << u << " at " << percent << "% raise_first=" << raise_first;
        ASSERT_EQ(after[u], raised_backend) << "user-" << u << " at " << percent << "%";
      }
      before = after;
    }
  }
}

TEST(ObservedSplit, WithinHalfAPercentagePointOfConfigured) {
  const auto buckets = user_buckets("notes");
  for (int percent = 0; percent <= 100; ++percent) {
    const std::vector<WeightedBackend> targets{
        {kNew, static_cast<config::BasisPoints>(percent * 100)}};
    const auto plan = plan_split(targets, kLegacy);
    int on_new = 0;
    for (auto bucket : buckets) on_new += pick(plan, bucket) == kNew;
    const double observed = 100.0 * on_new / kUsers;
    EXPECT_NEAR(observed, percent, 0.5) << "configured " << percent << "%";
  }
}

TEST(ObservedSplit, SecondTargetToo) {
  const auto buckets = user_buckets("checkout");
  for (int percent = 0; percent <= 50; ++percent) {
    const std::vector<WeightedBackend> targets{
        {kNew, 5000}, {kOther, static_cast<config::BasisPoints>(percent * 100)}};
    const auto plan = plan_split(targets, kLegacy);
    int on_other = 0;
    for (auto bucket : buckets) on_other += pick(plan, bucket) == kOther;
    EXPECT_NEAR(100.0 * on_other / kUsers, percent, 0.5) << "configured " << percent << "%";
  }
}

}  // namespace
}  // namespace cutover::routing

TEST(Splits, OnlyWhenMoreThanOneBackendCanBePicked) {
  EXPECT_FALSE(cutover::routing::splits(cutover::routing::single_backend(2)));
  const std::vector<cutover::routing::WeightedBackend> none{{1, 0}};
  EXPECT_FALSE(cutover::routing::splits(cutover::routing::plan_split(none, 0)));  // 0%: all on rollback_to
  const std::vector<cutover::routing::WeightedBackend> some{{1, 1}};
  EXPECT_TRUE(cutover::routing::splits(cutover::routing::plan_split(some, 0)));   // 0.01% is a split
  const std::vector<cutover::routing::WeightedBackend> all{{1, 10000}};
  EXPECT_TRUE(cutover::routing::splits(cutover::routing::plan_split(all, 0)));    // 100% still names rollback_to
}
