#pragma once
// Live statistics over the last 60 seconds for `GET /admin/routes`: requests/s, 5xx rate, p50 and
// p99 of one (route, backend) pair, so legacy and the new service can be compared side by side
// while a cutover ramps.
//
// A ring of 60 one-second slots; the slot for second t is t mod 60, tagged with t. The owner
// thread writes (relaxed load + store, no locks); readers on other threads sum the slots whose
// tag lies in the window. Time is always a parameter, never read here (tests drive it, and every
// worker and the scrape use the same steady clock in seconds).
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

class Window {
 public:
  // Owner thread only. Records into second `now_seconds`. A sample more than 60 s older than
  // what the slot already holds is dropped (the clock is monotonic, so that never happens).
  void record(std::int64_t now_seconds, int status, double latency_ms) noexcept;
  // Owner thread only, before this window is visible to readers (carry-over on reload).
  void copy_from(const Window& from) noexcept;

  // Any thread. Sums the slots of seconds (now_seconds - 60, now_seconds]: the current, partial
  // second counts, so the freshest traffic shows at once (rps reads up to 1/60 low).
  WindowSnapshot snapshot(std::int64_t now_seconds) const noexcept;
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

  std::array<Slot, kWindowSeconds> slots_{};
};

}  // namespace cutover::metrics
