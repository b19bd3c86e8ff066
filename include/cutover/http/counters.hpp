#pragma once
// Named counters, one set per worker, summed when read. Each counter is written by its own
// worker thread only, so relaxed atomics cost no contention; readers on other threads see
// consistent-enough values. The members, their /metrics names and help texts are declared once,
// in CUTOVER_GATEWAY_COUNTERS (metrics/registry.hpp).
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "cutover/metrics/registry.hpp"
#include "cutover/upstream/failure.hpp"

namespace cutover::http {

struct Counters {
  using Counter = std::atomic<std::uint64_t>;
#define CUTOVER_COUNTER(member, ...) Counter member{0};
#define CUTOVER_COUNTER_BY(member, metric, help, label, names) std::array<Counter, names.size()> member{};
#define CUTOVER_SKIP(...)
  CUTOVER_GATEWAY_COUNTERS(CUTOVER_COUNTER, CUTOVER_COUNTER_BY, CUTOVER_SKIP)
#undef CUTOVER_COUNTER
#undef CUTOVER_COUNTER_BY

  static void bump(Counter& counter) { counter.fetch_add(1, std::memory_order_relaxed); }
  // Early exits: each bumps exactly one of these and sends one local reply (or closes).
  Counter& local(metrics::LocalReason reason) { return local_replies[static_cast<std::size_t>(reason)]; }
  // Null when the failure was counted where it happened (a refused connect, per attempt).
  Counter* upstream(upstream::FailureCounter counter) {
    switch (counter) {
      case upstream::FailureCounter::counted_per_attempt: return nullptr;
      case upstream::FailureCounter::timeouts: return &upstream_timeouts;
      case upstream::FailureCounter::queue_timeouts: return &upstream_queue_timeouts;
      case upstream::FailureCounter::errors: break;
    }
    return &upstream_errors;
  }
  static void bump(Counter* counter) {
    if (counter) bump(*counter);
  }
  // One per auth subrequest that gave no usable answer, not per request waiting on it.
  Counter& lookup_failure(metrics::LookupFailure cause) { return auth_request_failures[static_cast<std::size_t>(cause)]; }

  // This worker's counters as plain numbers, summed over workers at scrape time. The gauges of
  // GatewayCounters are the caller's to fill in.
  metrics::GatewayCounters snapshot() const {
    metrics::GatewayCounters out;
#define CUTOVER_COPY(member, ...) copy(member, out.member);
    CUTOVER_GATEWAY_COUNTERS(CUTOVER_COPY, CUTOVER_COPY, CUTOVER_SKIP)
#undef CUTOVER_COPY
    return out;
  }

 private:
  static void copy(const Counter& from, std::uint64_t& to) { to = from.load(std::memory_order_relaxed); }
  template <std::size_t N>
  static void copy(const std::array<Counter, N>& from, std::array<std::uint64_t, N>& to) {
    for (std::size_t i = 0; i < N; ++i) copy(from[i], to[i]);
  }
};

// Every member comes from the list: one declared by hand would be missing from /metrics.
#define CUTOVER_ONE(...) +1
#define CUTOVER_COUNT_BY(member, metric, help, label, names) +names.size()
static_assert(sizeof(Counters) ==
              sizeof(Counters::Counter) * (0 CUTOVER_GATEWAY_COUNTERS(CUTOVER_ONE, CUTOVER_COUNT_BY, CUTOVER_SKIP)));
#undef CUTOVER_ONE
#undef CUTOVER_COUNT_BY
#undef CUTOVER_SKIP

}  // namespace cutover::http
