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

  // Every counter with its metric name and help text, for exposition. Keep in step with the
  // members above: a counter missing here is invisible to operators.
  template <class Fn>
  void for_each(Fn&& fn) const {
    fn("connections_accepted", "Client connections accepted", connections_accepted);
    fn("requests", "Requests read from clients", requests);
    fn("proxied", "Requests answered by a backend", proxied);
    fn("bad_request", "400: malformed requests (including smuggling shapes)", bad_request);
    fn("header_too_large", "431: request header over limits.max_header_bytes", header_too_large);
    fn("body_too_large", "413: request body over limits.max_body_bytes", body_too_large);
    fn("client_timeout", "408 or idle close: a client stalled past its timeout", client_timeout);
    fn("no_route", "404: no route matched", no_route);
    fn("unauthorized", "401: the route requires a user", unauthorized);
    fn("auth_unavailable", "502: the auth subrequest failed", auth_unavailable);
    fn("upstream_connect_failures", "Failed connects to backend endpoints", upstream_connect_failures);
    fn("upstream_timeouts", "504: a backend did not answer in time", upstream_timeouts);
    fn("upstream_errors", "502: a backend closed or broke the exchange", upstream_errors);
    fn("upstream_retries", "Safe retries on reused pooled connections", upstream_retries);
    fn("client_aborts", "Clients that went away mid-exchange", client_aborts);
  }
};

}  // namespace cutover::http
