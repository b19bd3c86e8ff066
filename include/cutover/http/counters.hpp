#pragma once
// Named counters, one set per worker, summed when read. Each counter is written by its own
// worker thread only, so relaxed atomics cost no contention; readers on other threads see
// consistent-enough values.
#include <atomic>
#include <cstdint>

#include "cutover/metrics/registry.hpp"

namespace cutover::http {

struct Counters {
  using Counter = std::atomic<std::uint64_t>;
  Counter connections_accepted{0};
  Counter requests{0};
  Counter proxied{0};
  // Early exits: each bumps exactly one of these and sends one local reply (or closes).
  Counter bad_request{0};         // 400: unparseable request or path
  Counter header_too_large{0};    // 431
  Counter body_too_large{0};      // 413
  Counter client_timeout{0};      // 408 or silent close on idle
  Counter no_route{0};            // 404
  Counter unauthorized{0};        // 401
  Counter auth_unavailable{0};    // 502 from a failed auth subrequest
  Counter upstream_connect_failures{0};  // 502
  Counter upstream_timeouts{0};   // 504
  Counter upstream_errors{0};     // 502: upstream broke mid-exchange
  Counter upstream_retries{0};    // safe retries on reused connections
  Counter upstream_queued{0};     // waited for a connection: the endpoint's limit was reached
  Counter upstream_queue_timeouts{0};  // 503: still waiting when queue_timeout passed
  Counter client_aborts{0};       // client went away mid-exchange

  static void bump(Counter& counter) { counter.fetch_add(1, std::memory_order_relaxed); }

  // This worker's counters as plain numbers, summed over workers at scrape time. Names and help
  // texts for /metrics live with GatewayCounters (src/metrics/prometheus.cpp). Keep in step with
  // the members above: a counter missing here is invisible to operators.
  metrics::GatewayCounters snapshot() const {
    auto get = [](const Counter& counter) { return counter.load(std::memory_order_relaxed); };
    metrics::GatewayCounters out;
    out.connections_accepted = get(connections_accepted);
    out.requests = get(requests);
    out.requests_proxied = get(proxied);
    out.bad_request = get(bad_request);
    out.header_too_large = get(header_too_large);
    out.body_too_large = get(body_too_large);
    out.client_timeout = get(client_timeout);
    out.no_route = get(no_route);
    out.unauthorized = get(unauthorized);
    out.auth_unavailable = get(auth_unavailable);
    out.client_aborts = get(client_aborts);
    out.upstream_connect_failures = get(upstream_connect_failures);
    out.upstream_timeouts = get(upstream_timeouts);
    out.upstream_errors = get(upstream_errors);
    out.upstream_retries = get(upstream_retries);
    out.upstream_queued = get(upstream_queued);
    out.upstream_queue_timeouts = get(upstream_queue_timeouts);
    return out;
  }
};

}  // namespace cutover::http
