#pragma once
// What one worker records per request, and the scrape that sums every worker.
//
// Each worker thread owns one WorkerMetrics and is its only writer: record_request is a handful
// of load + store pairs into cells indexed by position (no lock, no contended atomic, no
// string, and no allocation but one per (route, backend) pair, for its 60 s window on its first
// request: a large table whose routes mostly see no traffic holds no windows for them). The
// windows are filled once per second, not per request (see open_second_). A scrape on the admin
// thread reads every worker's cells and sums them (DESIGN.md: "Counters are per worker and
// summed on scrape").
//
// Reloads: reset() builds fresh cells for the new layout on the worker thread, copies over the
// numbers of every (route, backend) pair that still exists (so counters stay monotonic and the
// 60 s windows survive a reload), and publishes them by swapping one shared pointer. A scrape
// holds the cells it took, so it never reads memory a reset freed.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

#include "cutover/metrics/histogram.hpp"
#include "cutover/metrics/layout.hpp"
#include "cutover/metrics/window.hpp"

namespace cutover::metrics {

inline constexpr std::size_t kCodeClassCount = 5;
inline constexpr std::array<std::string_view, kCodeClassCount> kCodeClassNames = {
    "1xx", "2xx", "3xx", "4xx", "5xx"};

// Index into kCodeClassNames, or -1 for a status outside 100..599.
int code_class(int status) noexcept;

// The cumulative numbers of one (route, backend) cell, for /metrics.
struct CellTotals {
  std::array<std::uint64_t, kCodeClassCount> requests{};  // by code class
  HistogramSnapshot latency;
  std::uint64_t fallbacks = 0;  // of the requests, those the backend served as the route's fallback

  CellTotals& merge(const CellTotals& other) noexcept;
};

// Plain numbers read from one or more workers, indexed by the cells of `layout`.
struct Scrape {
  std::shared_ptr<const MetricsLayout> layout;
  std::vector<CellTotals> totals;       // empty in a windows-only scrape
  std::vector<WindowSnapshot> windows;  // empty in a totals-only scrape

  // Adds `other`. During a reload workers switch layouts one by one, so the two may differ: the
  // result takes the newer layout, matches cells by (route name, backend name) and drops pairs
  // the newer table no longer has.
  Scrape& merge(const Scrape& other);
};

// Why the gateway answered a request itself: the `error` of its JSON reply and the `reason` label
// of cutover_local_replies_total. Every early exit names exactly one (STYLE.md habit 6).
enum class LocalReason : std::uint8_t {
  bad_request,       // 400: malformed HTTP, smuggling shapes, bad framing
  invalid_path,      // 400: a path that is not a valid URL path, or one a backend may read otherwise
  bad_host,          // 400: Host missing, repeated or not a host[:port]
  bad_header,        // 400: a header name with '_' under headers_with_underscores: reject
  header_too_large,  // 431: the header, or the trailer section, over max_header_bytes
  body_too_large,    // 413
  client_timeout,    // 408 (or a silent close of an idle connection)
  body_too_slow,     // 408: a request body slower than limits.min_body_rate
  no_route,          // 404
  unauthorized,      // 401
  auth_unavailable,  // 502: the auth subrequest failed
  route_return,      // the route's own `return:` answer
  upgrade_not_allowed,  // 501: Upgrade to a protocol the route does not tunnel (or with a body)
};
inline constexpr std::size_t kLocalReasonCount = 13;
inline constexpr std::array<std::string_view, kLocalReasonCount> kLocalReasonNames = {
    "bad_request",    "invalid_path",  "bad_host", "bad_header",   "header_too_large", "body_too_large",
    "client_timeout", "body_too_slow", "no_route", "unauthorized", "auth_unavailable", "route_return",
    "upgrade_not_allowed"};
static_assert(static_cast<std::size_t>(LocalReason::upgrade_not_allowed) + 1 == kLocalReasonCount,
              "a reason added to LocalReason needs its name in kLocalReasonNames");
static_assert([] {
  for (auto name : kLocalReasonNames) {
    if (name.empty()) return false;
  }
  return true;
}(), "every LocalReason has a name: it is the metric's label and the reply's error");
inline constexpr std::string_view name_of(LocalReason reason) {
  return kLocalReasonNames[static_cast<std::size_t>(reason)];
}

// Client headers the gateway removed on the way to a backend, by why: a name the gateway owns in
// any spelling (identity, namespace, forwarding, request id), a name with '_' (under
// headers_with_underscores: drop), or a URL or method override the route does not allow.
enum class RemovedHeader : std::uint8_t { protected_name, underscore, url_override };
inline constexpr std::size_t kRemovedHeaderCount = 3;
inline constexpr std::array<std::string_view, kRemovedHeaderCount> kRemovedHeaderNames = {"protected", "underscore",
                                                                                          "override"};
static_assert(static_cast<std::size_t>(RemovedHeader::url_override) + 1 == kRemovedHeaderCount);

// Why an auth subrequest (identity.auth_request) gave no usable answer: the `cause` label of
// cutover_auth_request_failures_total and the cause= of the gateway's log line about it.
enum class LookupFailure : std::uint8_t {
  refused,           // no connection: refused or unreachable (the backend is down)
  timeout,           // no connection, or no whole answer, within identity.auth_request.timeout
  reset,             // the connection closed or was reset before a whole answer
  invalid_response,  // an answer that is not HTTP, or over its size limits
  status,            // an answer neither 2xx nor 401/403
  missing_header,    // a 2xx without identity.auth_request.user_header
};
inline constexpr std::size_t kLookupFailureCount = 6;
inline constexpr std::array<std::string_view, kLookupFailureCount> kLookupFailureNames = {
    "refused", "timeout", "reset", "invalid_response", "status", "missing_header"};
static_assert(static_cast<std::size_t>(LookupFailure::missing_header) + 1 == kLookupFailureCount);
inline constexpr std::string_view name_of(LookupFailure cause) {
  return kLookupFailureNames[static_cast<std::size_t>(cause)];
}

// Gateway-wide numbers, declared once, in /metrics order. Each line becomes a field of
// GatewayCounters, a term of its merge() and the samples of gateway_samples() (prometheus.hpp);
// a COUNTER line also becomes a relaxed atomic of every worker's http::Counters and a line of its
// snapshot(). So a new counter takes one line here and a Counters::bump where it happens.
//   COUNTER(member, metric, help)                      one number
//   COUNTER_BY(member, metric, help, label, names)     one per name of an enum: an array indexed by it
//   GAUGE(member, metric, help[, label, label_value])  read from each worker at scrape time, not counted
// (No // comments inside: a trailing backslash would splice the next line into them.)
inline constexpr std::string_view kConnectionsHelp =
    "Open client connections: active (a request in flight) or idle (keep-alive, waiting).";
#define CUTOVER_GATEWAY_COUNTERS(COUNTER, COUNTER_BY, GAUGE) \
  COUNTER(connections_accepted, "cutover_connections_accepted_total", "Client connections accepted.") \
  COUNTER(connections_refused, "cutover_connections_refused_total", \
          "Client connections closed at once because open files were near the limit.") \
  GAUGE(connections_active, "cutover_connections", metrics::kConnectionsHelp, "state", "active") \
  GAUGE(connections_idle, "cutover_connections", metrics::kConnectionsHelp, "state", "idle") \
  COUNTER(requests, "cutover_requests_received_total", \
          "Requests read from clients, including those answered by the gateway.") \
  COUNTER(requests_proxied, "cutover_requests_proxied_total", "Requests answered by a backend.") \
  COUNTER_BY(local_replies, "cutover_local_replies_total", "Requests answered by the gateway itself, by reason.", \
             "reason", metrics::kLocalReasonNames) \
  COUNTER_BY(headers_removed, "cutover_client_headers_removed_total", \
             "Client request headers removed before forwarding, by reason.", "reason", metrics::kRemovedHeaderNames) \
  COUNTER(client_aborts, "cutover_client_aborts_total", "Exchanges ended because the client went away.") \
  COUNTER(tls_handshakes, "cutover_tls_handshakes_total", "TLS handshakes completed on the TLS listener.") \
  COUNTER(tls_resumed, "cutover_tls_resumed_total", \
          "TLS handshakes on the TLS listener that resumed an earlier session (no certificate, no key exchange).") \
  COUNTER(tls_handshake_failures, "cutover_tls_handshake_failures_total", \
          "TLS handshakes on the TLS listener that failed or timed out; the connection is closed.") \
  COUNTER(upstream_connect_failures, "cutover_upstream_connect_failures_total", \
          "Failed connection attempts to backend endpoints.") \
  COUNTER(upstream_tls_failures, "cutover_upstream_tls_failures_total", \
          "TLS handshakes with backends that failed, a certificate that did not verify included " \
          "(each is also a failed connection attempt).") \
  COUNTER(upstream_timeouts, "cutover_upstream_timeouts_total", \
          "Backend responses that did not start within the timeout (504).") \
  COUNTER(upstream_errors, "cutover_upstream_errors_total", "Backend connections that broke mid-exchange.") \
  COUNTER(upstream_retries, "cutover_upstream_retries_total", \
          "Retries: a request sent again after a reused connection failed, or to another endpoint after a refused connect.") \
  COUNTER(upstream_retries_refused, "cutover_upstream_retry_budget_exhausted_total", \
          "Retries not made because the route's retry_budget was spent.") \
  COUNTER(tunnels_opened, "cutover_tunnels_opened_total", \
          "Upgraded connections (WebSocket...) tunnelled between a client and a backend after a 101.") \
  COUNTER(tunnels_closed, "cutover_tunnels_closed_total", "Tunnels that ended, either side closing or idle.") \
  GAUGE(tunnels_open, "cutover_tunnels_open", "Tunnels open right now.") \
  COUNTER(upstream_queued, "cutover_upstream_queued_total", \
          "Requests that waited for a backend connection (max_connections_per_endpoint reached).") \
  COUNTER(upstream_queue_timeouts, "cutover_upstream_queue_timeouts_total", \
          "Queued requests answered 503 because queue_timeout passed first.") \
  GAUGE(upstream_queue_waiting, "cutover_upstream_queue_waiting", \
        "Requests waiting for a backend connection right now.") \
  COUNTER_BY(auth_request_failures, "cutover_auth_request_failures_total", \
             "Auth subrequests (identity.auth_request) that gave no usable answer, by cause.", "cause", \
             metrics::kLookupFailureNames) \
  COUNTER(auth_request_stale, "cutover_auth_request_stale_total", \
          "Identities served from a cached answer older than cache_ttl because asking again " \
          "failed (within stale_if_error).")

// The numbers above as plain values, summed over workers by the caller at scrape time, plus the
// process-wide ones the control thread sets (rendered after them by gateway_samples()).
struct GatewayCounters {
#define CUTOVER_FIELD(member, ...) std::uint64_t member = 0;
#define CUTOVER_FIELDS(member, metric, help, label, names) std::array<std::uint64_t, names.size()> member{};
  CUTOVER_GATEWAY_COUNTERS(CUTOVER_FIELD, CUTOVER_FIELDS, CUTOVER_FIELD)
#undef CUTOVER_FIELD
#undef CUTOVER_FIELDS
  // Process-wide, set once by the control thread (not per worker, so merge() leaves them).
  std::uint64_t reloads = 0;           // successful ones
  std::uint64_t reload_failures = 0;
  std::uint64_t last_reload_ok = 1;    // gauge, 0 or 1: what an alert watches
  std::uint64_t active_overrides = 0;  // gauge

  // Adds `other`'s per-worker fields (every one of CUTOVER_GATEWAY_COUNTERS).
  GatewayCounters& merge(const GatewayCounters& other) noexcept;
};

class WorkerMetrics {
 public:
  explicit WorkerMetrics(std::shared_ptr<const MetricsLayout> layout);
  ~WorkerMetrics();
  WorkerMetrics(const WorkerMetrics&) = delete;
  WorkerMetrics& operator=(const WorkerMetrics&) = delete;

  // Owner thread. Switches to `layout` (a reload changed the table), carrying over the numbers
  // of pairs present in both. Allocates: control path only.
  void reset(std::shared_ptr<const MetricsLayout> layout);

  // Owner thread, hot path. Indexes refer to the current layout. Counts the request in the
  // requests counter (by status class) and the latency histogram of its (route, backend), for
  // its 60 s window at the next second's first request (allocating that window on the pair's
  // first request). Returns false, recording nothing, for a pair the layout does not track or a
  // status outside 100..599.
  bool record_request(std::size_t route_index, std::size_t backend_index, int status,
                      double latency_ms, std::int64_t now_seconds) noexcept;
  // The same for a request that started on `layout`: in-flight requests finish on their own
  // snapshot after the worker reset() to a newer one. Indexes of the layout just replaced are
  // translated; older layouts are dropped (returns false).
  bool record_request(const MetricsLayout& layout, std::size_t route_index,
                      std::size_t backend_index, int status, double latency_ms,
                      std::int64_t now_seconds) noexcept;
  // The same with the pair's cell already looked up in `layout` (layout.cell()): the data path
  // does that when it picks the backend, next to the route's other reads, so recording the
  // answer waits on one fewer dependent cache miss with a large route table.
  bool record_in_cell(const MetricsLayout& layout, std::uint32_t cell, int status,
                      double latency_ms, std::int64_t now_seconds) noexcept;

  // Owner thread: the request recorded in `cell` was served by the route's fallback.
  void record_fallback(const MetricsLayout& layout, std::uint32_t cell) noexcept;

  // Owner thread.
  const MetricsLayout& layout() const noexcept;

  // Any thread.
  Scrape scrape_totals() const;
  Scrape scrape_windows(std::int64_t now_seconds) const;

 private:
  struct Cell;
  struct Storage;

  bool record_cell(std::uint32_t cell, int status, double latency_ms,
                   std::int64_t now_seconds) noexcept;
  void close_open_second() noexcept;
  std::shared_ptr<const Storage> published() const;

  std::shared_ptr<Storage> current_;  // what the owner writes
  std::shared_ptr<const MetricsLayout> previous_layout_;
  std::vector<std::uint32_t> previous_to_current_;  // cell map from previous_layout_
  // The 60 s windows are filled a second at a time, not per request: a request counts only in
  // its cell, and marks it. The first request of a new second closes the marked cells' windows
  // with what they counted in the second before (Window::close). So a request touches no
  // window: with traffic spread over thousands of routes, that was one more cache miss each
  // (docs/performance.md, target 8). The owner writes all three; scrapes read open_second_.
  std::atomic<std::int64_t> open_second_{std::numeric_limits<std::int64_t>::min()};
  std::vector<std::uint64_t> dirty_bits_;  // one bit per cell of current_
  std::vector<std::uint32_t> dirty_cells_;
  // What scrapes read. A mutex, not std::atomic<std::shared_ptr>: it is taken only by reset()
  // and by scrapes, just to copy the pointer, never by record_request. And libstdc++ 12's
  // atomic<shared_ptr>::load() unlocks with a relaxed fetch_sub, which ThreadSanitizer rightly
  // reports as a race against the next store (google/sanitizers#1558).
  mutable std::mutex published_mutex_;
  std::shared_ptr<const Storage> published_;
};

// Sums every worker (admin thread). Totals for /metrics; windows for /admin/routes.
Scrape scrape_totals(std::span<const WorkerMetrics* const> workers);
Scrape scrape_windows(std::span<const WorkerMetrics* const> workers, std::int64_t now_seconds);

}  // namespace cutover::metrics
