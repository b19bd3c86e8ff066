#pragma once
// Live statistics over the last 60 seconds for `GET /admin/routes`: requests/s, 5xx rate, p50 and
// p99 of one (route, backend) pair, so legacy and the new service can be compared side by side
// while a cutover ramps.
//
// A ring of 60 one-second slots; the slot for second t is t mod 60, tagged with t. The owner
// thread writes (relaxed load + store, no locks), a second at a time; readers on other threads
// sum the slots whose tag lies in the window. Time is always a parameter, never read here
// (tests drive it, and every worker and the scrape use the same steady clock in seconds).
#include <array>
#include <atomic>
#include <cstdint>
#include <limits>

#include "cutover/metrics/histogram.hpp"

namespace cutover::metrics {

inline constexpr std::int64_t kWindowSeconds = 60;

// Plain numbers for a window, summed over slots (and over workers by merge).
struct WindowSnapshot {
  std::uint64_t errors = 0;     // responses with status 500..599
  HistogramSnapshot latency;    // latency.count is the number of requests; sum_ms is not kept

  std::uint64_t requests() const noexcept { return latency.count; }
  WindowSnapshot& merge(const WindowSnapshot& other) noexcept;
};

struct WindowSummary {
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  double requests_per_second = 0;
  double error_rate = 0;  // errors / requests in [0, 1]; 0 without requests
  double p50_ms = 0;
  double p99_ms = 0;
};

// `seconds` is the divisor for requests/s. The window is always the full 60 s, so the default
// gives a stable rate; during the first minute after start (or after a backend first appears)
// the caller passes the elapsed time instead, or the rate reads low.
WindowSummary summarize(const WindowSnapshot& snapshot, double seconds = kWindowSeconds) noexcept;

// A pair's cumulative numbers as of the last time its window was closed (Window::close).
struct ClosedTotals {
  std::uint64_t errors = 0;
  std::array<std::uint64_t, kBucketCount> buckets{};
};

class Window {
 public:
  // Owner thread only. Adds a whole second's numbers into `second`'s slot. Dropped when the slot
  // already holds a newer second (more than 60 s newer; the clock is monotonic, so that never
  // happens).
  void add(std::int64_t second, std::uint32_t errors,
           const std::array<std::uint32_t, kBucketCount>& buckets) noexcept;
  // Owner thread only. `totals` are the pair's cumulative numbers at the end of `second`: what
  // they grew by since the last close is that second's traffic, added to its slot. This is how
  // the data path fills windows: per request it counts only the cumulative numbers, and each
  // pair's window is closed once per second in which it saw traffic (WorkerMetrics).
  void close(std::int64_t second, const ClosedTotals& totals) noexcept;
  // Owner thread only, before this window is visible to readers (carry-over on reload).
  void copy_from(const Window& from) noexcept;
  // Owner thread only, before this window is visible to readers: the first close adds only
  // what the totals grew by past `baseline` (a window made for a pair that already has totals).
  void start_from(const ClosedTotals& baseline) noexcept;
  // Any thread. Sums the slots of seconds (now_seconds - 60, now_seconds]; a reader whose
  // now_seconds lags the owner's may find the oldest of them already reused for a newer one.
  // With `closed`, also the totals of the last close, read consistently with the slots:
  // cumulative numbers read afterwards minus these are exactly the traffic no slot holds yet.
  WindowSnapshot snapshot(std::int64_t now_seconds, ClosedTotals* closed = nullptr) const noexcept;
  // summarize(snapshot(now_seconds)), for a single window; across workers merge snapshots first.
  WindowSummary summary(std::int64_t now_seconds) const noexcept;

 private:
  // Tag of a slot being cleared: readers skip it. Also the tag of a never-used slot.
  static constexpr std::int64_t kNoSecond = std::numeric_limits<std::int64_t>::min();
  struct Slot {
    std::atomic<std::int64_t> second{kNoSecond};
    std::atomic<std::uint32_t> errors{0};  // 32 bits: 4 billion per second per worker is plenty
    std::array<std::atomic<std::uint32_t>, kBucketCount> buckets{};
  };
  static std::size_t slot_of(std::int64_t second) noexcept;
  WindowSnapshot sum_slots(std::int64_t now_seconds) const noexcept;
  // Owner thread (it alone writes them, so relaxed loads are exact): the closed totals.
  ClosedTotals closed_by_owner() const noexcept;
  std::array<Slot, kWindowSeconds> slots_{};
  // A close changes a slot and the closed totals together; readers retry while it is odd or
  // when it moved (a sequence lock: the owner never waits).
  std::atomic<std::uint32_t> version_{0};
  std::atomic<std::uint64_t> closed_errors_{0};
  std::array<std::atomic<std::uint64_t>, kBucketCount> closed_buckets_{};
};

}  // namespace cutover::metrics
