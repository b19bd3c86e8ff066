#include "cutover/log/throttle.hpp"

namespace cutover::log {

Throttle::Throttle(std::size_t keys, Clock::duration period) : slots_(keys), period_(period) {}

std::optional<std::uint64_t> Throttle::admit(std::size_t key, Clock::time_point now) {
  if (key >= slots_.size()) return 0;
  Slot& slot = slots_[key];
  // A clock that went backwards (it cannot, steady_clock; a test's can) counts as time passed:
  // better a line too many than a key silenced for good.
  if (slot.last_line && now >= *slot.last_line && now - *slot.last_line < period_) {
    ++slot.held_back;
    return std::nullopt;
  }
  slot.last_line = now;
  const std::uint64_t held_back = slot.held_back;
  slot.held_back = 0;
  return held_back;
}

}  // namespace cutover::log
