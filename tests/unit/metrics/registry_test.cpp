// Layout indexing, per-worker recording, scrapes summed across workers, and reloads.
#include "cutover/metrics/registry.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

// Counts heap allocations (and their bytes) on this thread, to prove what record_request
// allocates. Replacing the global operator new is the one reliable hook; it only counts, then
// defers to malloc.
namespace {
thread_local std::size_t allocations = 0;
thread_local std::size_t allocated_bytes = 0;
// When non-zero, the allocation with this count fails (both forms), to test failure paths.
thread_local std::size_t fail_allocation = 0;
}  // namespace

// GCC 12 sees malloc in operator new and free in operator delete, inlined into the same
// caller, and calls them mismatched: that pairing is exactly what a replacement must do.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  ++allocations;
  allocated_bytes += size;
  if (allocations == fail_allocation) throw std::bad_alloc();
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// The nothrow form too: sanitizer runtimes replace it themselves, so it would bypass the count.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  ++allocations;
  allocated_bytes += size;
  if (allocations == fail_allocation) return nullptr;
  return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace cutover::metrics {
namespace {

std::shared_ptr<const MetricsLayout> dense(std::vector<std::string> routes,
                                           std::vector<std::string> backends) {
  return std::make_shared<const MetricsLayout>(
      MetricsLayout::dense(std::move(routes), std::move(backends)));
}

std::uint64_t requests(const Scrape& s, const MetricsLayout& layout, std::size_t route,
                       std::size_t backend, int code_class_index) {
  return s.totals[layout.cell(route, backend)].requests[static_cast<std::size_t>(code_class_index)];
}

std::uint64_t all_requests(const CellTotals& cell) {
  std::uint64_t total = 0;
  for (auto n : cell.requests) total += n;
  return total;
}

TEST(CodeClass, MapsStatusToClass) {
  EXPECT_EQ(code_class(100), 0);
  EXPECT_EQ(code_class(200), 1);
  EXPECT_EQ(code_class(399), 2);
  EXPECT_EQ(code_class(404), 3);
  EXPECT_EQ(code_class(599), 4);
  EXPECT_EQ(code_class(99), -1);
  EXPECT_EQ(code_class(600), -1);
  EXPECT_EQ(code_class(0), -1);
}

TEST(MetricsLayout, DenseIndexesRouteMajor) {
  const auto layout = MetricsLayout::dense({"a", "b", "c"}, {"legacy", "new"});
  EXPECT_EQ(layout.cells(), 6u);
  EXPECT_EQ(layout.cell(0, 0), 0u);
  EXPECT_EQ(layout.cell(1, 1), 3u);
  EXPECT_EQ(layout.cell(2, 1), 5u);
  EXPECT_EQ(layout.route_of(3), 1u);
  EXPECT_EQ(layout.backend_of(3), 1u);
  EXPECT_EQ(layout.cell(3, 0), MetricsLayout::kNoCell);
  EXPECT_EQ(layout.cell(0, 2), MetricsLayout::kNoCell);
}

TEST(MetricsLayout, SparseTracksOnlyListedPairs) {
  const MetricsLayout layout({"notes", "default"}, {"legacy", "notes-svc", "other"},
                             {{1, 0, 1}, {0}});  // duplicates ignored, order free
  EXPECT_EQ(layout.cells(), 3u);
  EXPECT_EQ(layout.cell(0, 0), 0u);
  EXPECT_EQ(layout.cell(0, 1), 1u);
  EXPECT_EQ(layout.cell(0, 2), MetricsLayout::kNoCell);
  EXPECT_EQ(layout.cell(1, 0), 2u);
  EXPECT_EQ(layout.cell(1, 1), MetricsLayout::kNoCell);
}

TEST(MetricsLayout, ARouteReachingManyBackendsFindsEveryCell) {
  // Past the few backends a route's record keeps inline, the rest are found in the cell list.
  std::vector<std::string> backends;
  std::vector<std::uint16_t> odd;
  for (std::uint16_t b = 0; b < 20; ++b) {
    backends.push_back("b" + std::to_string(b));
    if (b % 2) odd.insert(odd.begin(), b);  // listed high to low: the order is free
  }
  const MetricsLayout layout({"first", "wide", "last"}, backends, {{3}, odd, {0, 19}});
  ASSERT_EQ(layout.cells(), 1u + odd.size() + 2u);
  EXPECT_EQ(layout.cell(0, 3), 0u);
  std::set<std::uint32_t> seen;
  for (std::uint16_t b = 0; b < 20; ++b) {
    const auto cell = layout.cell(1, b);
    if (b % 2 == 0) {
      EXPECT_EQ(cell, MetricsLayout::kNoCell) << b;
      continue;
    }
    ASSERT_NE(cell, MetricsLayout::kNoCell) << b;
    EXPECT_EQ(layout.route_of(cell), 1u);
    EXPECT_EQ(layout.backend_of(cell), b);
    seen.insert(cell);
  }
  EXPECT_EQ(seen.size(), odd.size());
  EXPECT_EQ(layout.cell(2, 0), 1u + odd.size());
  EXPECT_EQ(layout.cell(2, 19), 2u + odd.size());
  EXPECT_EQ(layout.cell(2, 18), MetricsLayout::kNoCell);
}

TEST(MetricsLayout, RejectsBadInput) {
  EXPECT_THROW(MetricsLayout({"a"}, {"x"}, {{0}, {0}}), std::invalid_argument);
  EXPECT_THROW(MetricsLayout({"a"}, {"x"}, {{1}}), std::invalid_argument);
}

TEST(MetricsLayout, GenerationsIncrease) {
  const auto a = MetricsLayout::dense({"r"}, {"b"});
  const auto b = MetricsLayout::dense({"r"}, {"b"});
  EXPECT_LT(a.generation(), b.generation());
}

TEST(MetricsLayout, MapCellsFollowsNames) {
  const MetricsLayout from({"a", "b"}, {"x", "y"}, {{0, 1}, {0}});
  const MetricsLayout to({"b", "c", "a"}, {"y", "x"}, {{1}, {0}, {0}});
  const auto map = map_cells(from, to);
  ASSERT_EQ(map.size(), 3u);
  EXPECT_EQ(map[from.cell(0, 0)], MetricsLayout::kNoCell);  // a/x: `to` tracks only a/y
  EXPECT_EQ(map[from.cell(0, 1)], to.cell(2, 0));          // a/y
  EXPECT_EQ(map[from.cell(1, 0)], to.cell(0, 1));          // b/x
}

TEST(WorkerMetrics, RecordsIntoTheRightCell) {
  const auto layout = dense({"notes", "default"}, {"legacy", "notes-svc"});
  WorkerMetrics worker(layout);
  EXPECT_TRUE(worker.record_request(0, 1, 200, 3.0, 100));
  EXPECT_TRUE(worker.record_request(0, 1, 503, 30.0, 100));
  EXPECT_TRUE(worker.record_request(1, 0, 404, 1.0, 100));
  const auto s = worker.scrape_totals();
  EXPECT_EQ(requests(s, *layout, 0, 1, 1), 1u);
  EXPECT_EQ(requests(s, *layout, 0, 1, 4), 1u);
  EXPECT_EQ(requests(s, *layout, 1, 0, 3), 1u);
  EXPECT_EQ(all_requests(s.totals[layout->cell(0, 0)]), 0u);
  EXPECT_EQ(s.totals[layout->cell(0, 1)].latency.count, 2u);
  EXPECT_DOUBLE_EQ(s.totals[layout->cell(0, 1)].latency.sum_ms, 33.0);

  const auto w = worker.scrape_windows(100);
  EXPECT_TRUE(s.windows.empty());
  EXPECT_TRUE(w.totals.empty());
  EXPECT_EQ(w.windows[layout->cell(0, 1)].requests(), 2u);
  EXPECT_EQ(w.windows[layout->cell(0, 1)].errors, 1u);
}

TEST(WorkerMetrics, RejectsUnknownPairAndBadStatus) {
  const auto layout = std::make_shared<const MetricsLayout>(
      MetricsLayout({"r"}, {"legacy", "new"}, {{0}}));
  WorkerMetrics worker(layout);
  EXPECT_FALSE(worker.record_request(0, 1, 200, 1, 0));  // pair not in the layout
  EXPECT_FALSE(worker.record_request(5, 0, 200, 1, 0));  // route out of range
  EXPECT_FALSE(worker.record_request(0, 0, 0, 1, 0));    // no status
  EXPECT_FALSE(worker.record_request(0, 0, 600, 1, 0));
  const auto s = worker.scrape_totals();
  EXPECT_EQ(all_requests(s.totals[0]), 0u);
  EXPECT_EQ(s.totals[0].latency.count, 0u);
}

TEST(WorkerMetrics, RecordRequestDoesNotAllocateAfterAPairsFirstRequest) {
  WorkerMetrics worker(dense({"a", "b"}, {"x", "y"}));
  for (std::size_t route = 0; route < 2; ++route) {
    for (std::size_t backend = 0; backend < 2; ++backend) worker.record_request(route, backend, 200, 1, 0);
  }
  const std::size_t before = allocations;
  for (int i = 0; i < 10000; ++i) {
    worker.record_request(static_cast<std::size_t>(i % 2), static_cast<std::size_t>(i % 3 % 2),
                          200 + i % 400, i * 0.37, i / 100);
  }
  EXPECT_EQ(allocations, before);
}

TEST(WorkerMetrics, APairsWindowIsAllocatedOnItsFirstRequestOnly) {
  std::vector<std::string> routes;
  for (int i = 0; i < 1000; ++i) routes.push_back("r" + std::to_string(i));
  const auto layout = dense(std::move(routes), {"legacy", "new"});
  const std::size_t bytes_before = allocated_bytes;
  WorkerMetrics worker(layout);
  // 2,000 pairs: with their windows (~4.5 KiB each) this would be ~9 MB.
  EXPECT_LT(allocated_bytes - bytes_before, 2000u * 512u) << "windows allocated before any traffic";

  const std::size_t before = allocations;
  EXPECT_TRUE(worker.record_request(7, 1, 503, 2.0, 100));
  EXPECT_EQ(allocations, before + 1) << "the pair's window, once";
  EXPECT_TRUE(worker.record_request(7, 1, 200, 1.0, 100));
  EXPECT_EQ(allocations, before + 1);

  const auto s = worker.scrape_windows(100);
  EXPECT_EQ(s.windows[layout->cell(7, 1)].requests(), 2u);
  EXPECT_EQ(s.windows[layout->cell(7, 1)].errors, 1u);
  EXPECT_EQ(s.windows[layout->cell(7, 0)].requests(), 0u) << "a pair without traffic reads empty";
  EXPECT_EQ(s.windows[layout->cell(8, 1)].requests(), 0u);
}

TEST(WorkerMetrics, WindowsAreFilledASecondAtATimeAndReadAtOnce) {
  // A request counts only in its cell; the first request of a later second moves the seconds
  // before into the windows. A scrape sees both at once, and each request once.
  const auto layout = dense({"a", "b"}, {"x"});
  WorkerMetrics worker(layout);
  const auto a = layout->cell(0, 0);
  const auto b = layout->cell(1, 0);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(worker.record_request(0, 0, 200, 1.0, 100));
  EXPECT_TRUE(worker.record_request(1, 0, 503, 300.0, 100));
  auto s = worker.scrape_windows(100);
  EXPECT_EQ(s.windows[a].requests(), 3u) << "the open second is read from the counters";
  EXPECT_EQ(s.windows[b].requests(), 1u);
  EXPECT_EQ(s.windows[b].errors, 1u);

  EXPECT_TRUE(worker.record_request(0, 0, 200, 1.0, 101));  // closes second 100 for a and b
  s = worker.scrape_windows(101);
  EXPECT_EQ(s.windows[a].requests(), 4u);
  EXPECT_EQ(s.windows[b].requests(), 1u);
  EXPECT_EQ(s.windows[b].latency.buckets[bucket_index(300.0)], 1u);

  s = worker.scrape_windows(160);  // (100, 160]: second 100 has left, 101 is still open
  EXPECT_EQ(s.windows[a].requests(), 1u);
  EXPECT_EQ(s.windows[b].requests(), 0u);
  EXPECT_EQ(s.windows[b].errors, 0u);
  s = worker.scrape_windows(161);  // an idle worker's open second leaves the window too
  EXPECT_EQ(s.windows[a].requests(), 0u);
  s = worker.scrape_windows(99);  // a reader behind the writer sees none of the future
  EXPECT_EQ(s.windows[a].requests(), 0u);

  // Cumulative counters are unaffected by any of this.
  const auto totals = worker.scrape_totals();
  EXPECT_EQ(all_requests(totals.totals[a]), 4u);
  EXPECT_EQ(all_requests(totals.totals[b]), 1u);
}

TEST(WorkerMetrics, AReloadCarriesAWindowOverOnlyWhereThereWasOne) {
  const auto before = dense({"a", "b"}, {"x"});
  const auto after = dense({"b", "a", "c"}, {"x"});
  WorkerMetrics worker(before);
  EXPECT_TRUE(worker.record_request(1, 0, 200, 1.0, 50));  // b
  worker.reset(after);
  const auto s = worker.scrape_windows(50);
  EXPECT_EQ(s.windows[after->cell(0, 0)].requests(), 1u) << "b's window followed it";
  EXPECT_EQ(s.windows[after->cell(1, 0)].requests(), 0u);
  EXPECT_EQ(s.windows[after->cell(2, 0)].requests(), 0u);
}

TEST(Scrape, SumsTwoWorkers) {
  const auto layout = dense({"notes"}, {"legacy", "notes-svc"});
  WorkerMetrics a(layout);
  WorkerMetrics b(layout);
  for (int i = 0; i < 30; ++i) a.record_request(0, 0, 200, 2, 10);
  for (int i = 0; i < 20; ++i) b.record_request(0, 0, 200, 2, 10);
  for (int i = 0; i < 5; ++i) b.record_request(0, 1, 502, 200, 10);
  const WorkerMetrics* workers[] = {&a, &b};

  const auto totals = scrape_totals(workers);
  EXPECT_EQ(totals.layout, layout);
  EXPECT_EQ(requests(totals, *layout, 0, 0, 1), 50u);
  EXPECT_EQ(requests(totals, *layout, 0, 1, 4), 5u);
  EXPECT_EQ(totals.totals[layout->cell(0, 0)].latency.count, 50u);

  const auto live = scrape_windows(workers, 20);
  const auto legacy = summarize(live.windows[layout->cell(0, 0)]);
  const auto fresh = summarize(live.windows[layout->cell(0, 1)]);
  EXPECT_EQ(legacy.requests, 50u);
  EXPECT_EQ(legacy.error_rate, 0.0);
  EXPECT_EQ(fresh.requests, 5u);
  EXPECT_EQ(fresh.error_rate, 1.0);
}

TEST(Scrape, NoWorkersGivesAnEmptyScrape) {
  const auto s = scrape_totals({});
  EXPECT_EQ(s.layout, nullptr);
  EXPECT_TRUE(s.totals.empty());
}

TEST(Reset, AResetThatFailsChangesNothing) {
  // From a large layout to a small one: state sized for the small one would be written out of
  // bounds by the next request on the large one (AddressSanitizer shows it).
  std::vector<std::string> many;
  for (int i = 0; i < 300; ++i) many.push_back("r" + std::to_string(i));
  const auto v1 = dense(many, {"x"});
  const auto v2 = dense({"r0", "r299"}, {"x"});
  // Fail each of the reset's allocations in turn: every time, the worker keeps v1 and records.
  for (std::size_t nth = 1;; ++nth) {
    WorkerMetrics worker(v1);
    EXPECT_TRUE(worker.record_request(299, 0, 200, 1, 10));
    fail_allocation = allocations + nth;
    bool threw = false;
    try {
      worker.reset(v2);
    } catch (const std::bad_alloc&) {
      threw = true;
    }
    fail_allocation = 0;
    if (!threw) {
      EXPECT_EQ(&worker.layout(), v2.get());
      EXPECT_GT(nth, 1u);
      break;
    }
    ASSERT_EQ(&worker.layout(), v1.get()) << "allocation " << nth;
    EXPECT_TRUE(worker.record_request(0, 0, 200, 1, 10));
    EXPECT_TRUE(worker.record_request(299, 0, 200, 1, 11));  // closes second 10
    auto windows = worker.scrape_windows(11);
    EXPECT_EQ(windows.windows[v1->cell(299, 0)].requests(), 2u) << "allocation " << nth;
    EXPECT_EQ(windows.windows[v1->cell(0, 0)].requests(), 1u) << "allocation " << nth;
    windows = worker.scrape_windows(70);  // second 10 has left: each second where it belongs
    EXPECT_EQ(windows.windows[v1->cell(299, 0)].requests(), 1u) << "allocation " << nth;
    EXPECT_EQ(windows.windows[v1->cell(0, 0)].requests(), 0u) << "allocation " << nth;
  }
}

TEST(WorkerMetrics, AWindowThatCouldNotBeMadeReadsEmptyAndStartsFresh) {
  const auto layout = dense({"a"}, {"x"});
  WorkerMetrics worker(layout);
  fail_allocation = allocations + 1;  // the pair's window, on its first request
  EXPECT_TRUE(worker.record_request(0, 0, 200, 1, 10));
  fail_allocation = 0;
  EXPECT_TRUE(worker.record_request(0, 0, 200, 1, 10));
  EXPECT_EQ(worker.scrape_windows(10).windows[0].requests(), 0u) << "no window: nothing to show";
  EXPECT_EQ(all_requests(worker.scrape_totals().totals[0]), 2u) << "the totals count everything";
  // The next second's first request makes the window, starting from the totals so far: it
  // shows that second's traffic, not everything before it.
  EXPECT_TRUE(worker.record_request(0, 0, 200, 1, 11));
  EXPECT_EQ(worker.scrape_windows(11).windows[0].requests(), 1u);
  EXPECT_TRUE(worker.record_request(0, 0, 200, 1, 12));
  EXPECT_EQ(worker.scrape_windows(12).windows[0].requests(), 2u);
  EXPECT_EQ(worker.scrape_windows(200).windows[0].requests(), 0u);
}

TEST(Reset, CarriesNumbersOverByName) {
  const auto v1 = std::make_shared<const MetricsLayout>(
      MetricsLayout({"notes", "old"}, {"legacy", "notes-svc"}, {{0, 1}, {0}}));
  WorkerMetrics worker(v1);
  for (int i = 0; i < 7; ++i) worker.record_request(0, 1, 200, 3, 50);  // notes/notes-svc
  worker.record_request(1, 0, 500, 3, 50);                              // old/legacy

  // Reload: routes reordered, "old" removed, "new" added, backends reordered.
  const auto v2 = std::make_shared<const MetricsLayout>(
      MetricsLayout({"new", "notes"}, {"notes-svc", "legacy"}, {{1}, {0, 1}}));
  worker.reset(v2);
  EXPECT_EQ(&worker.layout(), v2.get());
  worker.record_request(1, 0, 200, 3, 51);  // notes/notes-svc in the new numbering

  const auto s = worker.scrape_totals();
  EXPECT_EQ(s.layout, v2);
  EXPECT_EQ(requests(s, *v2, 1, 0, 1), 8u);              // 7 carried over + 1
  EXPECT_EQ(s.totals[v2->cell(1, 0)].latency.count, 8u);
  EXPECT_EQ(all_requests(s.totals[v2->cell(0, 1)]), 0u);  // new/legacy starts at zero
  EXPECT_EQ(worker.scrape_windows(51).windows[v2->cell(1, 0)].requests(), 8u);
}

TEST(Reset, InFlightRequestsOfThePreviousLayoutAreTranslated) {
  const auto v1 = dense({"a", "b"}, {"x"});
  const auto v2 = dense({"b", "a"}, {"x"});
  const auto v3 = dense({"a"}, {"x"});
  WorkerMetrics worker(v1);
  worker.reset(v2);
  // A request that started on v1 for route "a" (index 0 there) ends after the reset.
  EXPECT_TRUE(worker.record_request(*v1, 0, 0, 200, 1, 0));
  EXPECT_TRUE(worker.record_request(*v2, 0, 0, 200, 1, 0));  // "b" in v2
  auto s = worker.scrape_totals();
  EXPECT_EQ(requests(s, *v2, 1, 0, 1), 1u);  // a
  EXPECT_EQ(requests(s, *v2, 0, 0, 1), 1u);  // b

  worker.reset(v3);
  EXPECT_FALSE(worker.record_request(*v1, 0, 0, 200, 1, 0));  // two layouts back: dropped
  EXPECT_TRUE(worker.record_request(*v2, 1, 0, 200, 1, 0));   // "a" in v2
  s = worker.scrape_totals();
  EXPECT_EQ(requests(s, *v3, 0, 0, 1), 2u);
}

TEST(Reset, ACellLookedUpBeforeTheResetIsTranslatedToo) {
  // The data path looks the cell up when it picks the backend, and records in it at the answer.
  const auto v1 = dense({"a", "b"}, {"x", "y"});
  const auto v2 = dense({"b", "a"}, {"x", "y"});
  WorkerMetrics worker(v1);
  const auto a_y = v1->cell(0, 1);
  EXPECT_TRUE(worker.record_in_cell(*v1, a_y, 200, 1, 0));
  worker.reset(v2);
  EXPECT_TRUE(worker.record_in_cell(*v1, a_y, 503, 1, 0));
  EXPECT_FALSE(worker.record_in_cell(*v1, MetricsLayout::kNoCell, 200, 1, 0));
  EXPECT_FALSE(worker.record_in_cell(*v2, MetricsLayout::kNoCell, 200, 1, 0));
  const auto s = worker.scrape_totals();
  EXPECT_EQ(requests(s, *v2, 1, 1, 1), 1u);  // a, y: 2xx
  EXPECT_EQ(requests(s, *v2, 1, 1, 4), 1u);  // and 5xx
  EXPECT_EQ(requests(s, *v2, 1, 0, 1), 0u);
  EXPECT_EQ(requests(s, *v2, 0, 1, 1), 0u);
}

TEST(Scrape, WorkersOnDifferentLayoutsMergeIntoTheNewer) {
  const auto v1 = dense({"a", "gone"}, {"x"});
  const auto v2 = dense({"fresh", "a"}, {"x"});
  WorkerMetrics switched(v1);
  WorkerMetrics lagging(v1);
  switched.record_request(0, 0, 200, 1, 0);
  lagging.record_request(0, 0, 200, 1, 0);
  lagging.record_request(1, 0, 200, 1, 0);  // "gone"
  switched.reset(v2);

  for (const auto& order : {std::vector<const WorkerMetrics*>{&switched, &lagging},
                            std::vector<const WorkerMetrics*>{&lagging, &switched}}) {
    const auto s = scrape_totals(order);
    ASSERT_EQ(s.layout, v2);
    EXPECT_EQ(requests(s, *v2, 1, 0, 1), 2u);  // "a" from both workers
    EXPECT_EQ(requests(s, *v2, 0, 0, 1), 0u);  // "fresh"; "gone" is dropped
  }
}

TEST(GatewayCounters, MergeSumsPerWorkerFieldsOnly) {
  GatewayCounters a;
  a.requests = 10;
  a.requests_proxied = 9;
  a.upstream_retries = 1;
  a.reloads = 3;
  a.active_overrides = 2;
  GatewayCounters b;
  b.requests = 5;
  b.requests_proxied = 4;
  b.upstream_retries = 2;
  b.reloads = 3;
  b.active_overrides = 2;
  a.auth_request_failures[1] = 2;
  b.auth_request_failures[1] = 3;
  b.auth_request_failures[4] = 1;
  a.auth_request_stale = 4;
  b.auth_request_stale = 6;
  a.merge(b);
  EXPECT_EQ(a.auth_request_failures[1], 5u);
  EXPECT_EQ(a.auth_request_failures[4], 1u);
  EXPECT_EQ(a.auth_request_stale, 10u);
  EXPECT_EQ(a.requests, 15u);
  EXPECT_EQ(a.requests_proxied, 13u);
  EXPECT_EQ(a.upstream_retries, 3u);
  EXPECT_EQ(a.reloads, 3u);
  EXPECT_EQ(a.active_overrides, 2u);
}

}  // namespace
}  // namespace cutover::metrics
