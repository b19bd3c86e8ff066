#include "cutover/routing/split.hpp"

#include <algorithm>

#define XXH_STATIC_LINKING_ONLY  // XXH64_state_t on the stack: no allocation per request
#include <xxhash.h>

namespace cutover::routing {

namespace {
// Separates cohort from user id so ("ab", "c") and ("a", "bc") hash differently. Part of the
// bucket formula: changing it moves every user (DESIGN.md invariant 1).
constexpr char kSeparator = '\x1f';
constexpr XXH64_hash_t kSeed = 0;
}  // namespace

std::uint32_t bucket_of(std::string_view cohort, std::string_view user_id) {
  // Streaming gives the same digest as hashing cohort + '\x1f' + user_id in one buffer.
  XXH64_state_t state;
  XXH64_reset(&state, kSeed);
  XXH64_update(&state, cohort.data(), cohort.size());
  XXH64_update(&state, &kSeparator, 1);
  XXH64_update(&state, user_id.data(), user_id.size());
  return static_cast<std::uint32_t>(XXH64_digest(&state) % kBucketCount);
}

SplitPlan plan_split(std::span<const WeightedBackend> targets, std::uint16_t rollback_to) {
  SplitPlan plan;
  plan.rollback_to = rollback_to;
  // `low` is where the next band growing up starts, `high` where the band growing down ends.
  // Clamping keeps bands disjoint even if a caller passes shares over 100%.
  std::uint32_t low = 0;
  std::uint32_t high = kBucketCount;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const std::uint32_t share = std::min<std::uint32_t>(targets[i].share, high - low);
    if (share == 0) continue;
    if (i == 1) {
      plan.bands.push_back({high - share, high, targets[i].backend});
      high -= share;
    } else {
      plan.bands.push_back({low, low + share, targets[i].backend});
      low += share;
    }
  }
  std::sort(plan.bands.begin(), plan.bands.end(),
            [](const Band& a, const Band& b) { return a.begin < b.begin; });
  return plan;
}

SplitPlan single_backend(std::uint16_t backend) {
  SplitPlan plan;
  plan.bands.push_back({0, kBucketCount, backend});
  plan.rollback_to = backend;
  return plan;
}

bool splits(const SplitPlan& plan) {
  // A band owned by rollback_to itself (a single-backend route) changes nothing.
  for (const auto& band : plan.bands) {
    if (band.end > band.begin && band.backend != plan.rollback_to) return true;
  }
  return false;
}

std::uint16_t pick(const SplitPlan& plan, std::uint32_t bucket) {
  for (const auto& band : plan.bands) {
    if (bucket >= band.begin && bucket < band.end) return band.backend;
  }
  return plan.rollback_to;
}

}  // namespace cutover::routing
