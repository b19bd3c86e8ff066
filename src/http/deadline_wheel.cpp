#include "http/deadline_wheel.hpp"

#include <algorithm>

namespace cutover::http {

std::int64_t DeadlineWheel::add(Entry& entry) {
  const std::int64_t tick = std::max(tick_of(entry.due), done_through_ + 1);
  slot(tick).push_back(entry);
  ++count_;
  return tick;
}

void DeadlineWheel::remove(Entry& entry) {
  entry.unlink();
  --count_;
}

std::optional<std::int64_t> DeadlineWheel::next_tick() const {
  if (count_ == 0) return std::nullopt;
  for (std::int64_t tick = done_through_ + 1;; ++tick) {
    if (!slot(tick).empty()) return tick;
  }
}

}  // namespace cutover::http
