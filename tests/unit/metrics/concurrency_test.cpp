// One writer per WorkerMetrics, scrapes on another thread: the design of the data path. These
// tests are meant to run under -fsanitize=thread too (see the report of the metrics change):
// every shared field is an atomic, so a race would be a bug in the design, not in the test.
#include "cutover/metrics/prometheus.hpp"
#include "cutover/metrics/registry.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace cutover::metrics {
namespace {

constexpr int kObservations = 1'000'000;

std::uint64_t requests_in(const Scrape& s) {
  std::uint64_t total = 0;
  for (const auto& cell : s.totals) {
    for (auto n : cell.requests) total += n;
  }
  return total;
}

std::uint64_t observations_in(const Scrape& s) {
  std::uint64_t total = 0;
  for (const auto& cell : s.totals) total += cell.latency.count;
  return total;
}

std::uint64_t window_requests_in(const Scrape& s) {
  std::uint64_t total = 0;
  for (const auto& window : s.windows) total += window.requests();
  return total;
}

// now = i / 10000: 100 simulated seconds, so window slots roll over while readers read them.
std::int64_t now_of(int i) { return i / 10'000; }

TEST(Concurrency, ScrapesWhileOneWriterRecordsAMillion) {
  const auto layout = std::make_shared<const MetricsLayout>(
      MetricsLayout::dense({"a", "b"}, {"legacy", "new"}));
  WorkerMetrics worker(layout);
  std::atomic<bool> reading{false};
  std::atomic<bool> done{false};

  std::thread writer([&] {
    while (!reading.load(std::memory_order_acquire)) std::this_thread::yield();  // overlap
    for (int i = 0; i < kObservations; ++i) {
      worker.record_request(static_cast<std::size_t>(i % 2), static_cast<std::size_t>(i / 2 % 2),
                            i % 10 == 0 ? 503 : 200, (i % 20000) * 0.7, now_of(i));
    }
    done.store(true, std::memory_order_release);
  });

  const WorkerMetrics* workers[] = {&worker};
  std::uint64_t last = 0;
  int scrapes = 0;
  reading.store(true, std::memory_order_release);
  while (!done.load(std::memory_order_acquire)) {
    const auto totals = scrape_totals(workers);
    const std::uint64_t seen = requests_in(totals);
    EXPECT_GE(seen, last);  // counters never go backwards
    last = seen;
    for (const auto& cell : totals.totals) {
      const auto cumulative = cell.latency.cumulative();
      EXPECT_EQ(cumulative.back(), cell.latency.count);
    }
    const auto live = scrape_windows(workers, now_of(static_cast<int>(seen)));
    EXPECT_LE(window_requests_in(live), 60u * 10'000u);
    if (++scrapes % 16 == 0) (void)render_prometheus(totals);
  }
  writer.join();

  const auto totals = scrape_totals(workers);
  EXPECT_EQ(requests_in(totals), static_cast<std::uint64_t>(kObservations));
  EXPECT_EQ(observations_in(totals), static_cast<std::uint64_t>(kObservations));
  std::uint64_t errors = 0;
  for (const auto& cell : totals.totals) errors += cell.requests[4];
  EXPECT_EQ(errors, static_cast<std::uint64_t>(kObservations / 10));
  // The last second is 99: the window (39, 99] holds seconds 40..99.
  EXPECT_EQ(window_requests_in(scrape_windows(workers, 99)), 60u * 10'000u);
}

TEST(Concurrency, TwoWritersReloadingWhileScraped) {
  // Two layouts with the same pairs in a different order: each reset carries everything over,
  // so the final sum must still be exact even though scrapes ran across every reset.
  const auto v1 = std::make_shared<const MetricsLayout>(
      MetricsLayout({"a", "b"}, {"legacy", "new"}, {{0, 1}, {0}}));
  const auto v2 = std::make_shared<const MetricsLayout>(
      MetricsLayout({"b", "a"}, {"new", "legacy"}, {{1}, {0, 1}}));
  WorkerMetrics w1(v1);
  WorkerMetrics w2(v1);
  std::atomic<int> running{2};

  auto write = [&](WorkerMetrics& worker) {
    for (int i = 0; i < kObservations / 2; ++i) {
      if (i % 50'000 == 0) worker.reset((i / 50'000) % 2 ? v2 : v1);
      const bool on_v1 = &worker.layout() == v1.get();
      // Route "a" to "new": index (0, 1) in v1, (1, 0) in v2.
      worker.record_request(on_v1 ? 0 : 1, on_v1 ? 1 : 0, 200, 1.5, now_of(i));
    }
    running.fetch_sub(1, std::memory_order_release);
  };
  std::thread t1(write, std::ref(w1));
  std::thread t2(write, std::ref(w2));

  const WorkerMetrics* workers[] = {&w1, &w2};
  std::uint64_t last = 0;
  while (running.load(std::memory_order_acquire) > 0) {
    const auto totals = scrape_totals(workers);
    const std::uint64_t seen = requests_in(totals);
    EXPECT_GE(seen, last);
    last = seen;
    (void)scrape_windows(workers, 50);
  }
  t1.join();
  t2.join();
  EXPECT_EQ(requests_in(scrape_totals(workers)), static_cast<std::uint64_t>(kObservations));
}

}  // namespace
}  // namespace cutover::metrics
