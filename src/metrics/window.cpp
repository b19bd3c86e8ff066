#include "cutover/metrics/window.hpp"

#include <algorithm>
#include <thread>

namespace cutover::metrics {

namespace {
constexpr auto kRelaxed = std::memory_order_relaxed;
constexpr auto kAcquire = std::memory_order_acquire;
constexpr auto kRelease = std::memory_order_release;

// Single-writer add (see bump()) with a release store, still a plain move on x86.
void add_release(std::atomic<std::uint32_t>& counter, std::uint32_t by) noexcept {
  counter.store(counter.load(kRelaxed) + by, kRelease);
}
}  // namespace

WindowSnapshot& WindowSnapshot::merge(const WindowSnapshot& other) noexcept {
  errors += other.errors;
  latency.merge(other.latency);
  return *this;
}

WindowSummary summarize(const WindowSnapshot& snapshot, double seconds) noexcept {
  WindowSummary out;
  out.requests = snapshot.requests();
  out.errors = snapshot.errors;
  if (out.requests == 0) return out;
  const auto requests = static_cast<double>(out.requests);
  out.requests_per_second = seconds > 0 ? requests / seconds : 0;
  // Relaxed reads of two counters may see the 5xx bump before the request's bucket bump.
  out.error_rate = std::min(1.0, static_cast<double>(out.errors) / requests);
  out.p50_ms = quantile(snapshot.latency, 0.50);
  out.p99_ms = quantile(snapshot.latency, 0.99);
  return out;
}

std::size_t Window::slot_of(std::int64_t second) noexcept {
  return static_cast<std::size_t>(((second % kWindowSeconds) + kWindowSeconds) % kWindowSeconds);
}

void Window::add(std::int64_t second, std::uint32_t errors,
                 const std::array<std::uint32_t, kBucketCount>& buckets) noexcept {
  Slot& slot = slots_[slot_of(second)];
  const std::int64_t tag = slot.second.load(kRelaxed);
  if (tag != second) {
    if (tag != kNoSecond && tag > second) return;  // the slot already holds a newer second
    // A reader may be summing this slot right now. Seqlock-style: retag it as "clearing" first,
    // and clear with release stores, so a reader whose (acquire) load sees any zero also sees
    // the tag change and skips the slot instead of counting a half-cleared second. Release
    // stores are plain moves on x86. (Release stores rather than a fence: ThreadSanitizer does
    // not model standalone fences.)
    slot.second.store(kNoSecond, kRelease);  // a release too: see close()
    slot.errors.store(0, kRelease);
    for (auto& bucket : slot.buckets) bucket.store(0, kRelease);
    slot.second.store(second, kRelease);
  }
  // Release too: a reader that sees a count of the new second must also see its new tag.
  for (std::size_t b = 0; b < kBucketCount; ++b) {
    if (buckets[b] != 0) add_release(slot.buckets[b], buckets[b]);
  }
  if (errors != 0) add_release(slot.errors, errors);
}

void Window::close(std::int64_t second, const ClosedTotals& totals) noexcept {
  // One writer, so the odd version needs no read-modify-write. Every store after it is a
  // release, so a reader that sees any of them also sees the odd version (see snapshot()).
  const std::uint32_t version = version_.load(kRelaxed);
  version_.store(version + 1, kRelaxed);
  // Per second and worker the growth fits 32 bits (see Slot).
  const ClosedTotals before = closed_by_owner();
  std::array<std::uint32_t, kBucketCount> grown{};
  for (std::size_t b = 0; b < kBucketCount; ++b) {
    grown[b] = static_cast<std::uint32_t>(totals.buckets[b] - before.buckets[b]);
  }
  add(second, static_cast<std::uint32_t>(totals.errors - before.errors), grown);
  closed_errors_.store(totals.errors, kRelease);
  for (std::size_t b = 0; b < kBucketCount; ++b) closed_buckets_[b].store(totals.buckets[b], kRelease);
  version_.store(version + 2, kRelease);
}

void Window::copy_from(const Window& from) noexcept {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const Slot& src = from.slots_[i];
    Slot& dst = slots_[i];
    dst.second.store(src.second.load(kRelaxed), kRelaxed);
    dst.errors.store(src.errors.load(kRelaxed), kRelaxed);
    for (std::size_t b = 0; b < kBucketCount; ++b) {
      dst.buckets[b].store(src.buckets[b].load(kRelaxed), kRelaxed);
    }
  }
  start_from(from.closed_by_owner());
}

ClosedTotals Window::closed_by_owner() const noexcept {
  ClosedTotals out;
  out.errors = closed_errors_.load(kRelaxed);
  for (std::size_t b = 0; b < kBucketCount; ++b) out.buckets[b] = closed_buckets_[b].load(kRelaxed);
  return out;
}

void Window::start_from(const ClosedTotals& baseline) noexcept {
  closed_errors_.store(baseline.errors, kRelaxed);
  for (std::size_t b = 0; b < kBucketCount; ++b) closed_buckets_[b].store(baseline.buckets[b], kRelaxed);
}

WindowSnapshot Window::sum_slots(std::int64_t now_seconds) const noexcept {
  WindowSnapshot out;
  for (const Slot& slot : slots_) {
    const std::int64_t tag = slot.second.load(kAcquire);
    if (tag == kNoSecond || tag > now_seconds || tag <= now_seconds - kWindowSeconds) continue;
    const std::uint32_t errors = slot.errors.load(kAcquire);
    std::array<std::uint32_t, kBucketCount> buckets{};
    for (std::size_t b = 0; b < kBucketCount; ++b) buckets[b] = slot.buckets[b].load(kAcquire);
    // Pairs with the release stores in add(): if any load above saw the clearing, the tag
    // reloaded here has changed, and the slot (which was expiring anyway) is skipped.
    if (slot.second.load(kRelaxed) != tag) continue;
    out.errors += errors;
    for (std::size_t b = 0; b < kBucketCount; ++b) {
      out.latency.buckets[b] += buckets[b];
      out.latency.count += buckets[b];
    }
  }
  return out;
}

WindowSnapshot Window::snapshot(std::int64_t now_seconds, ClosedTotals* closed) const noexcept {
  for (;;) {
    const std::uint32_t before = version_.load(kAcquire);
    if (before % 2 == 0) {
      WindowSnapshot out = sum_slots(now_seconds);
      ClosedTotals totals;
      totals.errors = closed_errors_.load(kAcquire);
      for (std::size_t b = 0; b < kBucketCount; ++b) totals.buckets[b] = closed_buckets_[b].load(kAcquire);
      // An acquire load that saw any store of a close in progress also sees its odd version
      // (every store after the odd version is a release), so the reload below differs.
      if (version_.load(kRelaxed) == before) {
        if (closed) *closed = totals;
        return out;
      }
    }
    std::this_thread::yield();  // the owner is closing this window: a few hundred nanoseconds
  }
}

WindowSummary Window::summary(std::int64_t now_seconds) const noexcept {
  return summarize(snapshot(now_seconds));
}

}  // namespace cutover::metrics
