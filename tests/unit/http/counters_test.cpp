// A worker's Counters are generated from CUTOVER_GATEWAY_COUNTERS (metrics/registry.hpp): every
// counter declared there reaches snapshot() with its own value. The list is expanded here again,
// so a line added to it is checked too.
#include "cutover/http/counters.hpp"

#include <gtest/gtest.h>

namespace cutover::http {
namespace {

void set(Counters::Counter& counter, std::uint64_t& next) { counter.store(next++, std::memory_order_relaxed); }
template <std::size_t N>
void set(std::array<Counters::Counter, N>& counters, std::uint64_t& next) {
  for (auto& counter : counters) set(counter, next);
}

void expect(std::uint64_t got, std::uint64_t& next, const char* member) { EXPECT_EQ(got, next++) << member; }
template <std::size_t N>
void expect(const std::array<std::uint64_t, N>& got, std::uint64_t& next, const char* member) {
  for (std::uint64_t value : got) expect(value, next, member);
}

TEST(Counters, SnapshotCopiesEveryDeclaredCounter) {
  Counters counters;
  std::uint64_t next = 1;
#define CUTOVER_SET(member, ...) set(counters.member, next);
#define CUTOVER_SKIP(...)
  CUTOVER_GATEWAY_COUNTERS(CUTOVER_SET, CUTOVER_SET, CUTOVER_SKIP)
  const metrics::GatewayCounters snapshot = counters.snapshot();
  next = 1;
#define CUTOVER_EXPECT(member, ...) expect(snapshot.member, next, #member);
#define CUTOVER_EXPECT_ZERO(member, ...) EXPECT_EQ(snapshot.member, 0u) << #member " is the caller's to fill in";
  CUTOVER_GATEWAY_COUNTERS(CUTOVER_EXPECT, CUTOVER_EXPECT, CUTOVER_EXPECT_ZERO)
#undef CUTOVER_SET
#undef CUTOVER_SKIP
#undef CUTOVER_EXPECT
#undef CUTOVER_EXPECT_ZERO
}

TEST(Counters, HelpersPickTheirCounter) {
  Counters counters;
  Counters::bump(counters.local(metrics::LocalReason::no_route));
  Counters::bump(counters.upstream(upstream::FailureCounter::queue_timeouts));
  Counters::bump(counters.lookup_failure(metrics::LookupFailure::status));
  const auto snapshot = counters.snapshot();
  EXPECT_EQ(snapshot.local_replies[static_cast<std::size_t>(metrics::LocalReason::no_route)], 1u);
  EXPECT_EQ(snapshot.upstream_queue_timeouts, 1u);
  EXPECT_EQ(snapshot.auth_request_failures[static_cast<std::size_t>(metrics::LookupFailure::status)], 1u);
}

}  // namespace
}  // namespace cutover::http
