#pragma once
// Sticky weighted pick (DESIGN.md invariant 1). A user's bucket is a stable hash of
// (cohort, user id) in [0, 10000). A route's split is laid out as bands over the bucket space so
// that raising a new backend's share only moves users from rollback_to to it, never back:
// the first split target grows up from bucket 0, the second grows down from bucket 9999,
// further targets stack after the first (raising one of those shifts the ones listed after it).
// rollback_to owns every bucket no band covers.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "cutover/config/config.hpp"

namespace cutover::routing {

inline constexpr std::uint32_t kBucketCount = 10000;

// Stable across processes, hosts, versions and architectures (XXH64, fixed seed).
std::uint32_t bucket_of(std::string_view cohort, std::string_view user_id);

struct Band {
  std::uint32_t begin = 0;  // first bucket, inclusive
  std::uint32_t end = 0;    // exclusive
  std::uint16_t backend = 0;
};

struct WeightedBackend {
  std::uint16_t backend = 0;
  config::BasisPoints share = 0;
};

// One cache line, aligned: a request with a large route table reads its plan in one miss.
struct alignas(64) SplitPlan {
  std::uint16_t rollback_to = 0;    // owns the rest
  // Disjoint, only non-empty ones. Inline up to two: a route and its replacement, the shape
  // nearly every split has.
  boost::container::small_vector<Band, 2> bands;
};

// Lays out `targets` (file order; shares must sum to <= 10000) as described above.
SplitPlan plan_split(std::span<const WeightedBackend> targets, std::uint16_t rollback_to);

// A route served by one backend.
SplitPlan single_backend(std::uint16_t backend);

// True when more than one backend can be picked. Only then do buckets, and the sticky cookie
// that anonymous users get, matter.
bool splits(const SplitPlan& plan);

// The backend owning `bucket`. Pure; O(bands).
std::uint16_t pick(const SplitPlan& plan, std::uint32_t bucket);

}  // namespace cutover::routing
