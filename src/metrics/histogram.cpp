#include "cutover/metrics/histogram.hpp"

#include <algorithm>

namespace cutover::metrics {

static_assert(std::atomic<double>::is_always_lock_free, "sum_ms_ must not take a hidden lock");
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

std::size_t bucket_index(double ms) noexcept {
  if (!(ms > 0)) return 0;  // also catches NaN
  // 14 bounds: a linear scan beats binary search on branch prediction for typical latencies.
  std::size_t i = 0;
  while (i < kBucketBoundsMs.size() && ms > kBucketBoundsMs[i]) ++i;
  return i;
}

HistogramSnapshot& HistogramSnapshot::merge(const HistogramSnapshot& other) noexcept {
  for (std::size_t i = 0; i < kBucketCount; ++i) buckets[i] += other.buckets[i];
  count += other.count;
  sum_ms += other.sum_ms;
  return *this;
}

std::array<std::uint64_t, kBucketCount> HistogramSnapshot::cumulative() const noexcept {
  std::array<std::uint64_t, kBucketCount> out{};
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < kBucketCount; ++i) out[i] = running += buckets[i];
  return out;
}

HistogramSnapshot merge(HistogramSnapshot a, const HistogramSnapshot& b) noexcept {
  a.merge(b);
  return a;
}

double quantile(const HistogramSnapshot& snapshot, double q) noexcept {
  std::uint64_t total = 0;
  for (auto n : snapshot.buckets) total += n;  // not `count`: a hand-built snapshot may omit it
  if (total == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const double rank = q * static_cast<double>(total);

  std::uint64_t below = 0;  // observations in the buckets before i
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    const std::uint64_t in_bucket = snapshot.buckets[i];
    if (in_bucket == 0 || static_cast<double>(below + in_bucket) < rank) {
      below += in_bucket;
      continue;
    }
    if (i == kBucketBoundsMs.size()) return kBucketBoundsMs.back();  // +Inf: no upper bound
    const double lower = i == 0 ? 0.0 : kBucketBoundsMs[i - 1];
    const double upper = kBucketBoundsMs[i];
    const double fraction = (rank - static_cast<double>(below)) / static_cast<double>(in_bucket);
    return lower + (upper - lower) * std::clamp(fraction, 0.0, 1.0);
  }
  return kBucketBoundsMs.back();  // unreachable: the last non-empty bucket reaches `total`
}

void Histogram::observe(double ms) noexcept {
  bump(buckets_[bucket_index(ms)]);
  // Keep the sum consistent with the bucket choice: what counted as 0 adds 0.
  bump(sum_ms_, ms > 0 ? ms : 0.0);
}

void Histogram::copy_from(const Histogram& from) noexcept {
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    buckets_[i].store(from.buckets_[i].load(std::memory_order_relaxed), std::memory_order_relaxed);
  }
  sum_ms_.store(from.sum_ms_.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

HistogramSnapshot Histogram::snapshot() const noexcept {
  HistogramSnapshot out;
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    out.buckets[i] = buckets_[i].load(std::memory_order_acquire);  // pairs with bump()
    out.count += out.buckets[i];
  }
  out.sum_ms = sum_ms_.load(std::memory_order_relaxed);
  return out;
}

}  // namespace cutover::metrics
