#include "cutover/metrics/window.hpp"

#include <algorithm>

namespace cutover::metrics {

namespace {
constexpr auto kRelaxed = std::memory_order_relaxed;
constexpr auto kAcquire = std::memory_order_acquire;
constexpr auto kRelease = std::memory_order_release;

// Single-writer increment (see bump()) with a release store, still a plain move on x86.
void bump_release(std::atomic<std::uint32_t>& counter) noexcept {
  counter.store(counter.load(kRelaxed) + 1, kRelease);
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

void Window::record(std::int64_t now_seconds, int status, double latency_ms) noexcept {
  Slot& slot = slots_[slot_of(now_seconds)];
  const std::int64_t tag = slot.second.load(kRelaxed);
  if (tag != now_seconds) {
    if (tag != kNoSecond && tag > now_seconds) return;  // the slot already holds a newer second
    // A reader may be summing this slot right now. Seqlock-style: retag it as "clearing" first,
    // and clear with release stores, so a reader whose (acquire) load sees any zero also sees
    // the tag change and skips the slot instead of counting a half-cleared second. Release
    // stores are plain moves on x86, and this runs once per second, not per request. (Release
    // stores rather than a fence: ThreadSanitizer does not model standalone fences.)
    slot.second.store(kNoSecond, kRelaxed);
    slot.errors.store(0, kRelease);
    for (auto& bucket : slot.buckets) bucket.store(0, kRelease);
    slot.second.store(now_seconds, kRelease);
  }
  // Release too: a reader that sees a count of the new second must also see its new tag.
  bump_release(slot.buckets[bucket_index(latency_ms)]);
  if (status >= 500 && status <= 599) bump_release(slot.errors);
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
}

WindowSnapshot Window::snapshot(std::int64_t now_seconds) const noexcept {
  WindowSnapshot out;
  for (const Slot& slot : slots_) {
    const std::int64_t tag = slot.second.load(kAcquire);
    if (tag == kNoSecond || tag > now_seconds || tag <= now_seconds - kWindowSeconds) continue;
    const std::uint32_t errors = slot.errors.load(kAcquire);
    std::array<std::uint32_t, kBucketCount> buckets{};
    for (std::size_t b = 0; b < kBucketCount; ++b) buckets[b] = slot.buckets[b].load(kAcquire);
    // Pairs with the release stores in record(): if any load above saw the clearing, the tag
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

WindowSummary Window::summary(std::int64_t now_seconds) const noexcept {
  return summarize(snapshot(now_seconds));
}

}  // namespace cutover::metrics
