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
};
inline constexpr std::size_t kLocalReasonCount = 12;
inline constexpr std::array<std::string_view, kLocalReasonCount> kLocalReasonNames = {
    "bad_request",    "invalid_path",  "bad_host", "bad_header",   "header_too_large", "body_too_large",
    "client_timeout", "body_too_slow", "no_route", "unauthorized", "auth_unavailable", "route_return"};
static_assert(static_cast<std::size_t>(LocalReason::route_return) + 1 == kLocalReasonCount,
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

// Gateway-wide counters kept outside this module (http::Counters, the reload and override
// code), summed by the caller and handed over as plain values at scrape time. Rendered by
// gateway_samples() in prometheus.hpp.
struct GatewayCounters {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_refused = 0;
  std::uint64_t connections_active = 0;  // gauge
  std::uint64_t connections_idle = 0;    // gauge: keep-alive connections waiting for a request
  std::uint64_t requests = 0;
  std::uint64_t requests_proxied = 0;  // answered by a backend
  std::array<std::uint64_t, kLocalReasonCount> local_replies{};  // by LocalReason
  std::array<std::uint64_t, kRemovedHeaderCount> headers_removed{};  // by RemovedHeader
  std::uint64_t client_aborts = 0;
  // Upstream.
  std::uint64_t upstream_connect_failures = 0;
  std::uint64_t upstream_timeouts = 0;
  std::uint64_t upstream_errors = 0;
  std::uint64_t upstream_retries = 0;
  std::uint64_t upstream_queued = 0;          // requests that waited for a connection (a limit reached)
  std::uint64_t upstream_queue_timeouts = 0;  // of those, answered 503 when queue_timeout passed
  std::uint64_t upstream_queue_waiting = 0;   // gauge: waiting right now
  // The auth subrequest.
  std::array<std::uint64_t, kLookupFailureCount> auth_request_failures{};  // by LookupFailure
  std::uint64_t auth_request_stale = 0;  // identities served past cache_ttl because asking failed
  // Process-wide, set once by the control thread (not per worker, so merge() leaves them).
  std::uint64_t reloads = 0;           // successful ones
  std::uint64_t reload_failures = 0;
  std::uint64_t last_reload_ok = 1;    // gauge, 0 or 1: what an alert watches
  std::uint64_t active_overrides = 0;  // gauge

  // Adds `other`'s per-worker fields (everything above the process-wide ones).
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
