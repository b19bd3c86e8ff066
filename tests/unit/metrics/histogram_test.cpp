// Histogram: bucket boundaries (Prometheus `le` is inclusive), snapshots, merging, quantiles.
#include "cutover/metrics/histogram.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace cutover::metrics {
namespace {

constexpr std::size_t kInf = kBucketCount - 1;

TEST(BucketIndex, UpperBoundIsInclusive) {
  EXPECT_EQ(bucket_index(0.5), 0u);
  EXPECT_EQ(bucket_index(0.5000001), 1u);
  EXPECT_EQ(bucket_index(1.0), 1u);
  EXPECT_EQ(bucket_index(2.5), 2u);
  EXPECT_EQ(bucket_index(99.999), 7u);
  EXPECT_EQ(bucket_index(100.0), 7u);
  EXPECT_EQ(bucket_index(10000.0), kInf - 1);
  EXPECT_EQ(bucket_index(10000.001), kInf);
  EXPECT_EQ(bucket_index(std::numeric_limits<double>::infinity()), kInf);
}

TEST(BucketIndex, EveryBoundLandsInItsOwnBucket) {
  for (std::size_t i = 0; i < kBucketBoundsMs.size(); ++i) {
    EXPECT_EQ(bucket_index(kBucketBoundsMs[i]), i);
    EXPECT_EQ(bucket_index(std::nextafter(kBucketBoundsMs[i], 1e9)), i + 1);
  }
}

TEST(BucketIndex, ZeroNegativeAndNanCountAsZero) {
  EXPECT_EQ(bucket_index(0.0), 0u);
  EXPECT_EQ(bucket_index(-3.0), 0u);
  EXPECT_EQ(bucket_index(std::nan("")), 0u);
}

TEST(Histogram, SnapshotCountsSumAndCount) {
  Histogram h;
  h.observe(0.2);
  h.observe(1.0);
  h.observe(7.0);
  h.observe(7.5);
  h.observe(20000.0);
  h.observe(-1.0);  // counted in the first bucket, adds nothing to the sum
  const auto s = h.snapshot();
  EXPECT_EQ(s.count, 6u);
  EXPECT_DOUBLE_EQ(s.sum_ms, 0.2 + 1.0 + 7.0 + 7.5 + 20000.0);
  EXPECT_EQ(s.buckets[0], 2u);
  EXPECT_EQ(s.buckets[1], 1u);
  EXPECT_EQ(s.buckets[4], 2u);  // (5, 10]
  EXPECT_EQ(s.buckets[kInf], 1u);
}

TEST(Histogram, CumulativeIsMonotoneAndEndsAtCount) {
  Histogram h;
  for (int i = 0; i < 1000; ++i) h.observe(std::fmod(i * 7.3, 12000.0));
  const auto s = h.snapshot();
  const auto c = s.cumulative();
  for (std::size_t i = 1; i < kBucketCount; ++i) EXPECT_LE(c[i - 1], c[i]);
  EXPECT_EQ(c.back(), s.count);
  EXPECT_EQ(s.count, 1000u);
}

TEST(Histogram, MergeAddsBucketsCountAndSum) {
  Histogram a;
  Histogram b;
  a.observe(3);
  a.observe(30);
  b.observe(3);
  b.observe(3000);
  const auto m = merge(a.snapshot(), b.snapshot());
  EXPECT_EQ(m.count, 4u);
  EXPECT_DOUBLE_EQ(m.sum_ms, 3036.0);
  EXPECT_EQ(m.buckets[bucket_index(3)], 2u);
  EXPECT_EQ(m.buckets[bucket_index(30)], 1u);
  EXPECT_EQ(m.buckets[bucket_index(3000)], 1u);
}

TEST(Histogram, CopyFromContinuesTheNumbers) {
  Histogram a;
  a.observe(4);
  a.observe(400);
  Histogram b;
  b.copy_from(a);
  b.observe(4);
  const auto s = b.snapshot();
  EXPECT_EQ(s.count, 3u);
  EXPECT_DOUBLE_EQ(s.sum_ms, 408.0);
  EXPECT_EQ(s.buckets[bucket_index(4)], 2u);
}

TEST(Quantile, OneToHundredMs) {
  Histogram h;
  for (int ms = 1; ms <= 100; ++ms) h.observe(ms);
  const auto s = h.snapshot();
  // Cumulative: le=1:1 2.5:2 5:5 10:10 25:25 50:50 100:100, so the ranks fall on exact values
  // under linear interpolation.
  EXPECT_NEAR(quantile(s, 0.50), 50.0, 1e-9);
  EXPECT_NEAR(quantile(s, 0.99), 99.0, 1e-9);
  EXPECT_NEAR(quantile(s, 0.90), 90.0, 1e-9);
  EXPECT_NEAR(quantile(s, 0.10), 10.0, 1e-9);
  EXPECT_NEAR(quantile(s, 1.0), 100.0, 1e-9);
}

TEST(Quantile, InterpolatesInsideOneBucket) {
  Histogram h;
  for (int i = 1; i <= 1000; ++i) h.observe(10.0 + 15.0 * i / 1000.0);  // uniform over (10, 25]
  const auto s = h.snapshot();
  EXPECT_NEAR(quantile(s, 0.5), 17.5, 1e-9);
  EXPECT_NEAR(quantile(s, 0.99), 24.85, 1e-9);
}

TEST(Quantile, WithinBucketResolutionForASkewedDistribution) {
  // 90% fast (2 ms), 10% slow (300 ms): p50 in (1, 2.5], p99 in (250, 500].
  Histogram h;
  for (int i = 0; i < 900; ++i) h.observe(2);
  for (int i = 0; i < 100; ++i) h.observe(300);
  const auto s = h.snapshot();
  EXPECT_GT(quantile(s, 0.5), 1.0);
  EXPECT_LE(quantile(s, 0.5), 2.5);
  EXPECT_GT(quantile(s, 0.99), 250.0);
  EXPECT_LE(quantile(s, 0.99), 500.0);
}

TEST(Quantile, EdgeCases) {
  HistogramSnapshot empty;
  EXPECT_EQ(quantile(empty, 0.5), 0.0);

  Histogram slow;
  slow.observe(60000);
  EXPECT_EQ(quantile(slow.snapshot(), 0.99), 10000.0);  // +Inf: largest finite bound

  Histogram h;
  h.observe(7);
  const auto s = h.snapshot();
  EXPECT_EQ(quantile(s, 0.0), 5.0);   // lower edge of the first non-empty bucket
  EXPECT_EQ(quantile(s, -1.0), 5.0);  // clamped
  EXPECT_EQ(quantile(s, 2.0), 10.0);  // clamped
}

}  // namespace
}  // namespace cutover::metrics
