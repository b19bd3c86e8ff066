// The sticky weighted pick: hash the user into a bucket, find the band that owns it.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "cutover/routing/split.hpp"

namespace {

using namespace cutover;

void BM_BucketOf(benchmark::State& state) {
  const std::string user = "user-1234567";
  for (auto _ : state) benchmark::DoNotOptimize(routing::bucket_of("notes", user));
}
BENCHMARK(BM_BucketOf);

void BM_PickThreeTargets(benchmark::State& state) {
  const std::vector<routing::WeightedBackend> targets = {{1, 2500}, {2, 1000}, {3, 500}};
  const auto plan = routing::plan_split(targets, 0);
  std::uint32_t bucket = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(routing::pick(plan, bucket));
    bucket = (bucket + 7919) % routing::kBucketCount;
  }
}
BENCHMARK(BM_PickThreeTargets);

}  // namespace
