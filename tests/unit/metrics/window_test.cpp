// The 60 s window behind GET /admin/routes' live stats. Time is a parameter: these tests drive it.
#include "cutover/metrics/window.hpp"

#include <gtest/gtest.h>

namespace cutover::metrics {
namespace {

// One request, as the owner adds a second's traffic (Window::add).
void record(Window& window, std::int64_t second, int status, double latency_ms) {
  std::array<std::uint32_t, kBucketCount> buckets{};
  buckets[bucket_index(latency_ms)] = 1;
  window.add(second, status >= 500 && status <= 599 ? 1 : 0, buckets);
}

TEST(Window, EmptyIsAllZeros) {
  Window w;
  const auto s = w.summary(1000);
  EXPECT_EQ(s.requests, 0u);
  EXPECT_EQ(s.errors, 0u);
  EXPECT_EQ(s.requests_per_second, 0.0);
  EXPECT_EQ(s.error_rate, 0.0);
  EXPECT_EQ(s.p50_ms, 0.0);
  EXPECT_EQ(s.p99_ms, 0.0);
}

TEST(Window, CoversTheLastSixtySecondsIncludingTheCurrentOne) {
  Window w;
  record(w, 10, 200, 5);
  EXPECT_EQ(w.snapshot(10).requests(), 1u);
  EXPECT_EQ(w.snapshot(69).requests(), 1u);  // (9, 69]
  EXPECT_EQ(w.snapshot(70).requests(), 0u);  // (10, 70]: second 10 has left
  EXPECT_EQ(w.snapshot(9).requests(), 0u);   // a reader behind the writer skips the future
}

TEST(Window, SlidesOverTwoMinutes) {
  Window w;
  // One request a second for t = 0..120; every 4th is a 503, latencies 1..121 ms.
  for (std::int64_t t = 0; t <= 120; ++t) {
    record(w, t, t % 4 == 0 ? 503 : 200, static_cast<double>(t + 1));
  }
  const auto snap = w.snapshot(120);
  const auto s = summarize(snap);
  EXPECT_EQ(s.requests, 60u);  // t = 61..120
  EXPECT_EQ(s.errors, 15u);    // 64, 68, ..., 120
  EXPECT_DOUBLE_EQ(s.requests_per_second, 1.0);
  EXPECT_DOUBLE_EQ(s.error_rate, 0.25);
  // Latencies 62..121 ms: p50 inside (50, 100], p99 inside (100, 250].
  EXPECT_GT(s.p50_ms, 50.0);
  EXPECT_LE(s.p50_ms, 100.0);
  EXPECT_GT(s.p99_ms, 100.0);
  EXPECT_LE(s.p99_ms, 250.0);
  // Nothing recorded after 120: the window drains a second at a time.
  EXPECT_EQ(w.snapshot(150).requests(), 30u);
  EXPECT_EQ(w.snapshot(180).requests(), 0u);
}

TEST(Window, RateDividesByTheWholeWindowUnlessToldOtherwise) {
  Window w;
  for (int i = 0; i < 300; ++i) record(w, i / 30, 200, 1);  // 30 rps for the first 10 s
  const auto snap = w.snapshot(9);
  EXPECT_DOUBLE_EQ(summarize(snap).requests_per_second, 5.0);  // 300 / 60
  EXPECT_DOUBLE_EQ(summarize(snap, 10).requests_per_second, 30.0);  // over the elapsed part
}

TEST(Window, OnlyStatus5xxCountsAsError) {
  Window w;
  for (int status : {200, 301, 404, 499, 500, 502, 599}) record(w, 1, status, 1);
  EXPECT_EQ(w.snapshot(1).errors, 3u);
}

TEST(Window, ReusedSlotStartsFromZero) {
  Window w;
  for (int i = 0; i < 3; ++i) record(w, 5, 500, 1);
  record(w, 65, 200, 1);  // same slot, one minute later
  const auto s = w.snapshot(65);
  EXPECT_EQ(s.requests(), 1u);
  EXPECT_EQ(s.errors, 0u);
}

TEST(Window, SampleOlderThanItsSlotIsDropped) {
  Window w;
  record(w, 100, 200, 1);
  record(w, 40, 500, 1);  // same slot as 100, a minute older: would wipe newer data
  const auto s = w.snapshot(100);
  EXPECT_EQ(s.requests(), 1u);
  EXPECT_EQ(s.errors, 0u);
}

TEST(Window, NegativeSecondsWork) {
  Window w;
  record(w, -5, 200, 1);
  record(w, -1, 200, 1);
  EXPECT_EQ(w.snapshot(0).requests(), 2u);
}

TEST(Window, MergesAcrossWorkers) {
  Window a;
  Window b;
  for (int i = 0; i < 90; ++i) record(a, 50, 200, 2);   // fast and healthy
  for (int i = 0; i < 10; ++i) record(b, 55, 500, 400);  // slow and failing
  auto merged = a.snapshot(60);
  merged.merge(b.snapshot(60));
  const auto s = summarize(merged);
  EXPECT_EQ(s.requests, 100u);
  EXPECT_EQ(s.errors, 10u);
  EXPECT_DOUBLE_EQ(s.error_rate, 0.1);
  EXPECT_LE(s.p50_ms, 2.5);
  EXPECT_GT(s.p99_ms, 250.0);
}

TEST(Window, CloseAddsWhatTheTotalsGrewBy) {
  Window w;
  ClosedTotals totals;
  totals.errors = 1;
  totals.buckets[0] = 5;
  totals.buckets[3] = 2;
  w.close(10, totals);  // from zero: 7 requests in second 10
  totals.errors = 4;
  totals.buckets[0] = 6;
  w.close(11, totals);  // 1 more request, 3 more errors
  w.close(12, totals);  // nothing new: an empty second
  ClosedTotals closed;
  const auto s = w.snapshot(12, &closed);
  EXPECT_EQ(s.requests(), 8u);
  EXPECT_EQ(s.errors, 4u);
  EXPECT_EQ(s.latency.buckets[0], 6u);
  EXPECT_EQ(s.latency.buckets[3], 2u);
  EXPECT_EQ(closed.errors, 4u);
  EXPECT_EQ(closed.buckets, totals.buckets);
  EXPECT_EQ(w.snapshot(70).requests(), 1u) << "(10, 70]: only second 11's request is left";
  EXPECT_EQ(w.snapshot(71).requests(), 0u);
}

TEST(Window, CopyFromKeepsTheWindow) {
  Window a;
  record(a, 10, 500, 3);
  record(a, 11, 200, 3);
  Window b;
  b.copy_from(a);
  record(b, 12, 200, 3);
  const auto s = b.snapshot(12);
  EXPECT_EQ(s.requests(), 3u);
  EXPECT_EQ(s.errors, 1u);

  // The closed totals come along: the next close adds only what grew since.
  Window c;
  ClosedTotals totals;
  totals.buckets[1] = 10;
  c.close(20, totals);
  Window d;
  d.copy_from(c);
  totals.buckets[1] = 12;
  d.close(21, totals);
  EXPECT_EQ(d.snapshot(21).requests(), 12u);
  EXPECT_EQ(d.snapshot(80).requests(), 2u);
}

}  // namespace
}  // namespace cutover::metrics
