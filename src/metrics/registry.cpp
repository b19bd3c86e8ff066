#include "cutover/metrics/registry.hpp"

#include <atomic>
#include <new>
#include <stdexcept>
#include <utility>

namespace cutover::metrics {

namespace {
constexpr auto kRelaxed = std::memory_order_relaxed;
constexpr std::size_t kServerErrorClass = 4;  // 5xx: what a window counts as errors

// `scrape` re-indexed by the cells of `to`; pairs `to` does not track are dropped.
Scrape remap(const Scrape& scrape, std::shared_ptr<const MetricsLayout> to) {
  Scrape out;
  out.layout = std::move(to);
  const auto map = map_cells(*scrape.layout, *out.layout);
  if (!scrape.totals.empty()) out.totals.resize(out.layout->cells());
  if (!scrape.windows.empty()) out.windows.resize(out.layout->cells());
  for (std::size_t c = 0; c < map.size(); ++c) {
    if (map[c] == MetricsLayout::kNoCell) continue;
    if (!scrape.totals.empty()) out.totals[map[c]].merge(scrape.totals[c]);
    if (!scrape.windows.empty()) out.windows[map[c]].merge(scrape.windows[c]);
  }
  return out;
}

void add(std::uint64_t& to, std::uint64_t from) noexcept { to += from; }
template <std::size_t N>
void add(std::array<std::uint64_t, N>& to, const std::array<std::uint64_t, N>& from) noexcept {
  for (std::size_t i = 0; i < N; ++i) to[i] += from[i];
}
}  // namespace

int code_class(int status) noexcept {
  return status >= 100 && status <= 599 ? status / 100 - 1 : -1;
}

CellTotals& CellTotals::merge(const CellTotals& other) noexcept {
  for (std::size_t i = 0; i < kCodeClassCount; ++i) requests[i] += other.requests[i];
  latency.merge(other.latency);
  fallbacks += other.fallbacks;
  return *this;
}

Scrape& Scrape::merge(const Scrape& other) {
  if (!other.layout) return *this;
  if (!layout) return *this = other;
  if (other.layout != layout) {
    if (other.layout->generation() <= layout->generation()) return merge(remap(other, layout));
    *this = remap(*this, other.layout);
  }
  const std::size_t cells = layout->cells();
  if (!other.totals.empty()) {
    totals.resize(cells);
    for (std::size_t c = 0; c < cells; ++c) totals[c].merge(other.totals[c]);
  }
  if (!other.windows.empty()) {
    windows.resize(cells);
    for (std::size_t c = 0; c < cells; ++c) windows[c].merge(other.windows[c]);
  }
  return *this;
}

GatewayCounters& GatewayCounters::merge(const GatewayCounters& o) noexcept {
#define CUTOVER_ADD(member, ...) add(member, o.member);
  CUTOVER_GATEWAY_COUNTERS(CUTOVER_ADD, CUTOVER_ADD, CUTOVER_ADD)
#undef CUTOVER_ADD
  return *this;
}

// Cache-line aligned, with what every request writes first: the counters, the window pointer,
// the latency sum and the lowest latency bucket share one line. A request that lands in that
// bucket touches one line of its cell, any other request two (docs/performance.md, target 8).
struct alignas(64) WorkerMetrics::Cell {
  std::array<std::atomic<std::uint64_t>, kCodeClassCount> requests{};
  // The 60 s window is ~4.5 KiB, so it is allocated on the pair's first request: in a large
  // table most routes see little traffic, and one window per pair per worker up front cost
  // ~90 MB per worker for 10,000 routes. The owner publishes it with release; a scrape that
  // finds none reads an empty window.
  std::atomic<Window*> window{nullptr};
  Histogram latency;
  std::atomic<std::uint64_t> fallbacks{0};

  Cell() = default;
  Cell(const Cell&) = delete;
  Cell& operator=(const Cell&) = delete;
  ~Cell() { delete window.load(kRelaxed); }

  // Owner thread. The window, made if there is none yet, as if closed at the totals so far
  // (which it will never show). Null only when the allocation failed: requests then count
  // everywhere but in the window (which reads empty), rather than failing on the hot path, and
  // the pair's next marked second tries again.
  Window* ensure_window() noexcept {
    Window* existing = window.load(kRelaxed);
    if (existing) return existing;
    Window* fresh = new (std::nothrow) Window();
    if (!fresh) return nullptr;
    fresh->start_from(totals());
    window.store(fresh, std::memory_order_release);
    return fresh;
  }

  ClosedTotals totals() const noexcept {
    ClosedTotals out;
    out.errors = requests[kServerErrorClass].load(std::memory_order_acquire);  // pairs with bump()
    const HistogramSnapshot histogram = latency.snapshot();
    out.buckets = histogram.buckets;
    return out;
  }

  // Owner thread: the traffic since this pair's last close goes into `second`'s slot.
  void close_window(std::int64_t second) noexcept {
    if (Window* target = window.load(kRelaxed)) target->close(second, totals());
  }

  // Any thread. The window's slots, plus the traffic not closed into them yet: all of it from
  // the owner's open second, when that second did not change while this read (`open_second`
  // is the owner's published one).
  WindowSnapshot window_snapshot(std::int64_t now_seconds,
                                 const std::atomic<std::int64_t>& open_second) const noexcept {
    ClosedTotals closed;
    ClosedTotals now_totals;
    WindowSnapshot out;
    std::int64_t open = 0;
    for (;;) {
      // The owner closes every window of a second before it publishes the next one, and counts
      // nothing of the next one before that (acquire here, release there and in bump()). So
      // when the second read before and after is the same, the slots read and the totals read
      // after them cover every request once.
      open = open_second.load(std::memory_order_acquire);
      const Window* current = window.load(std::memory_order_acquire);
      if (!current) return {};  // no traffic yet, or no memory for a window: see ensure_window()
      out = current->snapshot(now_seconds, &closed);
      now_totals = totals();
      if (open_second.load(std::memory_order_acquire) == open) break;
    }
    if (open > now_seconds || open <= now_seconds - kWindowSeconds) return out;
    const auto grown = [](std::uint64_t now, std::uint64_t then) { return now > then ? now - then : 0; };
    out.errors += grown(now_totals.errors, closed.errors);
    for (std::size_t b = 0; b < kBucketCount; ++b) {
      const std::uint64_t unclosed = grown(now_totals.buckets[b], closed.buckets[b]);
      out.latency.buckets[b] += unclosed;
      out.latency.count += unclosed;
    }
    return out;
  }

  void copy_from(const Cell& from) noexcept {
    for (std::size_t i = 0; i < kCodeClassCount; ++i) {
      requests[i].store(from.requests[i].load(kRelaxed), kRelaxed);
    }
    latency.copy_from(from.latency);
    fallbacks.store(from.fallbacks.load(kRelaxed), kRelaxed);
    if (const Window* source = from.window.load(kRelaxed)) {
      if (Window* target = ensure_window()) target->copy_from(*source);
    }
  }
};

// One layout's cells. Immutable in shape once built; only the atomics inside change.
struct WorkerMetrics::Storage {
  explicit Storage(std::shared_ptr<const MetricsLayout> l)
      : layout(std::move(l)), cells(layout->cells()) {}
  std::shared_ptr<const MetricsLayout> layout;
  std::vector<Cell> cells;  // never resized: Cell holds atomics and does not move
};

WorkerMetrics::WorkerMetrics(std::shared_ptr<const MetricsLayout> layout) {
  if (!layout) throw std::invalid_argument("WorkerMetrics: null layout");
  current_ = std::make_shared<Storage>(std::move(layout));
  dirty_bits_.assign((current_->cells.size() + 63) / 64, 0);
  dirty_cells_.reserve(current_->cells.size());
  published_ = current_;
}

WorkerMetrics::~WorkerMetrics() = default;

void WorkerMetrics::reset(std::shared_ptr<const MetricsLayout> layout) {
  if (!layout) throw std::invalid_argument("WorkerMetrics::reset: null layout");
  if (layout == current_->layout) return;
  // Everything that can throw first, into locals: a failed reset changes nothing.
  auto next = std::make_shared<Storage>(layout);
  std::vector<std::uint64_t> dirty_bits((next->cells.size() + 63) / 64, 0);
  std::vector<std::uint32_t> dirty_cells;
  dirty_cells.reserve(next->cells.size());
  auto map = map_cells(*current_->layout, *layout);
  std::shared_ptr<const MetricsLayout> previous = current_->layout;
  // Every pair's traffic into its window, so the copies below carry all of it. Only this
  // thread writes current_, so reading it here sees every request recorded so far.
  close_open_second();
  for (std::size_t c = 0; c < map.size(); ++c) {
    if (map[c] != MetricsLayout::kNoCell) next->cells[map[c]].copy_from(current_->cells[c]);
  }
  dirty_bits_.swap(dirty_bits);
  dirty_cells_.swap(dirty_cells);
  previous_layout_.swap(previous);
  previous_to_current_.swap(map);
  current_ = next;
  // The mutex orders the copies above before any scrape of `next`. The old cells stay alive as
  // long as a scrape still holds them.
  std::shared_ptr<const Storage> old;
  {
    const std::lock_guard lock(published_mutex_);
    old = std::exchange(published_, std::move(next));
  }
}  // `old` is freed here, outside the lock, unless a scrape still holds it

bool WorkerMetrics::record_request(std::size_t route_index, std::size_t backend_index, int status,
                                   double latency_ms, std::int64_t now_seconds) noexcept {
  return record_cell(current_->layout->cell(route_index, backend_index), status, latency_ms,
                     now_seconds);
}

bool WorkerMetrics::record_request(const MetricsLayout& layout, std::size_t route_index,
                                   std::size_t backend_index, int status, double latency_ms,
                                   std::int64_t now_seconds) noexcept {
  return record_in_cell(layout, layout.cell(route_index, backend_index), status, latency_ms,
                        now_seconds);
}

bool WorkerMetrics::record_in_cell(const MetricsLayout& layout, std::uint32_t cell, int status,
                                   double latency_ms, std::int64_t now_seconds) noexcept {
  // Pointer identity is safe: the caller's layout is alive (its snapshot holds it) and so are
  // current_'s and previous_layout_, so no two of them can share an address.
  if (&layout == current_->layout.get()) return record_cell(cell, status, latency_ms, now_seconds);
  if (&layout != previous_layout_.get() || cell >= previous_to_current_.size()) return false;
  return record_cell(previous_to_current_[cell], status, latency_ms, now_seconds);
}

bool WorkerMetrics::record_cell(std::uint32_t cell, int status, double latency_ms,
                                std::int64_t now_seconds) noexcept {
  const int code = code_class(status);
  if (cell == MetricsLayout::kNoCell || code < 0) return false;
  // The first request of a new second closes the last one's windows. (A second earlier than
  // the open one, which a monotonic clock never gives, is counted as the open one's.)
  // Only this thread stores open_second_, so its own relaxed load is exact.
  if (now_seconds > open_second_.load(std::memory_order_relaxed)) {
    close_open_second();
    open_second_.store(now_seconds, std::memory_order_release);
  }
  Cell& c = current_->cells[cell];
  std::uint64_t& bits = dirty_bits_[cell / 64];
  const std::uint64_t bit = std::uint64_t{1} << (cell % 64);
  if (!(bits & bit)) {
    bits |= bit;
    dirty_cells_.push_back(cell);  // reserved for every cell: never allocates
    // The window on the pair's first request (so recording never allocates after it), before
    // this request counts, so the window shows it.
    (void)c.ensure_window();
  }
  bump(c.requests[static_cast<std::size_t>(code)]);
  c.latency.observe(latency_ms);
  return true;
}

void WorkerMetrics::close_open_second() noexcept {
  for (const std::uint32_t cell : dirty_cells_) {
    current_->cells[cell].close_window(open_second_.load(std::memory_order_relaxed));
    dirty_bits_[cell / 64] = 0;
  }
  dirty_cells_.clear();
}

void WorkerMetrics::record_fallback(const MetricsLayout& layout, std::uint32_t cell) noexcept {
  if (&layout != current_->layout.get()) {
    if (&layout != previous_layout_.get() || cell >= previous_to_current_.size()) return;
    cell = previous_to_current_[cell];
  }
  if (cell != MetricsLayout::kNoCell) bump(current_->cells[cell].fallbacks);
}

const MetricsLayout& WorkerMetrics::layout() const noexcept { return *current_->layout; }

std::shared_ptr<const WorkerMetrics::Storage> WorkerMetrics::published() const {
  const std::lock_guard lock(published_mutex_);
  return published_;
}

Scrape WorkerMetrics::scrape_totals() const {
  const std::shared_ptr<const Storage> storage = published();
  Scrape out;
  out.layout = storage->layout;
  out.totals.resize(storage->cells.size());
  for (std::size_t c = 0; c < storage->cells.size(); ++c) {
    const Cell& cell = storage->cells[c];
    for (std::size_t i = 0; i < kCodeClassCount; ++i) {
      out.totals[c].requests[i] = cell.requests[i].load(kRelaxed);
    }
    out.totals[c].latency = cell.latency.snapshot();
    out.totals[c].fallbacks = cell.fallbacks.load(kRelaxed);
  }
  return out;
}

Scrape WorkerMetrics::scrape_windows(std::int64_t now_seconds) const {
  const std::shared_ptr<const Storage> storage = published();
  Scrape out;
  out.layout = storage->layout;
  out.windows.reserve(storage->cells.size());
  for (const Cell& cell : storage->cells) {
    out.windows.push_back(cell.window_snapshot(now_seconds, open_second_));
  }
  return out;
}

Scrape scrape_totals(std::span<const WorkerMetrics* const> workers) {
  Scrape out;
  for (const WorkerMetrics* worker : workers) out.merge(worker->scrape_totals());
  return out;
}

Scrape scrape_windows(std::span<const WorkerMetrics* const> workers, std::int64_t now_seconds) {
  Scrape out;
  for (const WorkerMetrics* worker : workers) out.merge(worker->scrape_windows(now_seconds));
  return out;
}

}  // namespace cutover::metrics
