#pragma once
// Named counters, one set per worker, summed when read. Each counter is written by its own
// worker thread only, so relaxed atomics cost no contention; readers on other threads see
// consistent-enough values.
#include <array>
#include <atomic>
#include <cstdint>

#include "cutover/metrics/registry.hpp"
#include "cutover/upstream/failure.hpp"

namespace cutover::http {

struct Counters {
  using Counter = std::atomic<std::uint64_t>;
  Counter connections_accepted{0};
  Counter connections_refused{0};  // closed at once: open files near the limit
  Counter requests{0};
  Counter proxied{0};
  // Early exits: each bumps exactly one of these and sends one local reply (or closes).
  std::array<Counter, metrics::kLocalReasonCount> local_replies{};
  std::array<Counter, metrics::kRemovedHeaderCount> headers_removed{};
  Counter upstream_connect_failures{0};  // 502
  Counter upstream_timeouts{0};   // 504
  Counter upstream_errors{0};     // 502: upstream broke mid-exchange
  Counter upstream_retries{0};    // safe retries on reused connections
  Counter upstream_queued{0};     // waited for a connection: the endpoint's limit was reached
  Counter upstream_queue_timeouts{0};  // 503: still waiting when queue_timeout passed
  Counter client_aborts{0};       // client went away mid-exchange
  // Auth subrequests that gave no usable answer, by cause (one per subrequest, not per waiter).
  std::array<Counter, metrics::kLookupFailureCount> auth_request_failures{};
  Counter auth_request_stale{0};  // requests whose identity came from a stale cached answer

  static void bump(Counter& counter) { counter.fetch_add(1, std::memory_order_relaxed); }
  Counter& local(metrics::LocalReason reason) { return local_replies[static_cast<std::size_t>(reason)]; }
  Counter& upstream(upstream::FailureCounter counter) {
    switch (counter) {
      case upstream::FailureCounter::connect_failures: return upstream_connect_failures;
      case upstream::FailureCounter::timeouts: return upstream_timeouts;
      case upstream::FailureCounter::queue_timeouts: return upstream_queue_timeouts;
      case upstream::FailureCounter::errors: break;
    }
    return upstream_errors;
  }
  Counter& lookup_failure(metrics::LookupFailure cause) { return auth_request_failures[static_cast<std::size_t>(cause)]; }

  // This worker's counters as plain numbers, summed over workers at scrape time. Names and help
  // texts for /metrics live with GatewayCounters (src/metrics/prometheus.cpp). Keep in step with
  // the members above: a counter missing here is invisible to operators.
  metrics::GatewayCounters snapshot() const {
    auto get = [](const Counter& counter) { return counter.load(std::memory_order_relaxed); };
    metrics::GatewayCounters out;
    out.connections_accepted = get(connections_accepted);
    out.connections_refused = get(connections_refused);
    out.requests = get(requests);
    out.requests_proxied = get(proxied);
    for (std::size_t i = 0; i < local_replies.size(); ++i) out.local_replies[i] = get(local_replies[i]);
    for (std::size_t i = 0; i < headers_removed.size(); ++i) out.headers_removed[i] = get(headers_removed[i]);
    out.client_aborts = get(client_aborts);
    out.upstream_connect_failures = get(upstream_connect_failures);
    out.upstream_timeouts = get(upstream_timeouts);
    out.upstream_errors = get(upstream_errors);
    out.upstream_retries = get(upstream_retries);
    out.upstream_queued = get(upstream_queued);
    out.upstream_queue_timeouts = get(upstream_queue_timeouts);
    for (std::size_t i = 0; i < auth_request_failures.size(); ++i) out.auth_request_failures[i] = get(auth_request_failures[i]);
    out.auth_request_stale = get(auth_request_stale);
    return out;
  }
};

}  // namespace cutover::http
