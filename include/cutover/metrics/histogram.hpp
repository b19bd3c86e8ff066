#pragma once
// Fixed-bucket latency histogram, Prometheus style. One worker thread owns each Histogram and is
// the only writer; a scrape on another thread reads it. Writers use relaxed load + store (never a
// read-modify-write, never a lock): with one writer that is exact, costs a plain add on x86, and
// concurrent readers stay race-free because every field is an atomic.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace cutover::metrics {

// Upper bounds (inclusive, Prometheus `le`) in milliseconds. One more bucket, +Inf, follows.
// Fixed at compile time: every worker and every scrape agree without negotiation, and snapshots
// merge by adding arrays.
inline constexpr std::array<double, 14> kBucketBoundsMs = {
    0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
inline constexpr std::size_t kBucketCount = kBucketBoundsMs.size() + 1;  // + the +Inf bucket

// The bucket `ms` falls in: the first whose bound is >= ms. Negative and NaN count as 0 ms (a
// clock step must not lose the request).
std::size_t bucket_index(double ms) noexcept;

// Plain numbers read from one or more histograms.
struct HistogramSnapshot {
  std::array<std::uint64_t, kBucketCount> buckets{};  // per bucket, NOT cumulative; last is +Inf
  std::uint64_t count = 0;                            // == sum of buckets
  double sum_ms = 0;

  HistogramSnapshot& merge(const HistogramSnapshot& other) noexcept;
  // Running totals as Prometheus exposes them (`le` buckets); the last equals `count`.
  std::array<std::uint64_t, kBucketCount> cumulative() const noexcept;
};

HistogramSnapshot merge(HistogramSnapshot a, const HistogramSnapshot& b) noexcept;

// The q-quantile (0 <= q <= 1) in ms, estimated like Prometheus' histogram_quantile: find the
// bucket holding rank q*count and interpolate linearly inside it (the first bucket starts at 0).
// A rank in +Inf returns the largest finite bound (nothing better is known). Empty: 0, which
// reads better than NaN in the admin JSON.
double quantile(const HistogramSnapshot& snapshot, double q) noexcept;

class Histogram {
 public:
  // Owner thread only.
  void observe(double ms) noexcept;
  // Owner thread only, before the histogram is visible to readers: continues `from`'s numbers
  // (a reload carries a route's statistics over to the new table).
  void copy_from(const Histogram& from) noexcept;

  // Any thread. `count` is derived from the buckets read, so `_count` always equals the +Inf
  // bucket even while the owner keeps writing; `sum_ms` may be one observation apart.
  HistogramSnapshot snapshot() const noexcept;

 private:
  // The sum first: in a metrics cell it then shares a cache line with the low buckets.
  std::atomic<double> sum_ms_{0};
  std::array<std::atomic<std::uint64_t>, kBucketCount> buckets_{};
};

// Single-writer increment: load + store, no lock prefix. Only correct with one writing thread.
// The store is a release (a plain move on x86, as a relaxed one): a reader whose acquire load
// sees the new count also sees what the writer stored before it, such as the second a worker's
// metrics were in (WorkerMetrics::scrape_windows relies on that).
template <typename T>
inline void bump(std::atomic<T>& counter, T by = 1) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_release);
}

}  // namespace cutover::metrics
