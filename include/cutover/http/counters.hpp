#pragma once
// Named counters, one set per worker, summed when read. Each counter is written by its own
// worker thread only, so relaxed atomics cost no contention; readers on other threads see
// consistent-enough values.
#include <atomic>
#include <cstdint>

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
  Counter client_aborts{0};       // client went away mid-exchange

  static void bump(Counter& counter) { counter.fetch_add(1, std::memory_order_relaxed); }
};

}  // namespace cutover::http
