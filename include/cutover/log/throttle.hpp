#pragma once
// Keeps a log that reports the same trouble over and over readable: at most one line per key
// (a cause, say) every `period`, and the lines held back in between are counted, so the next line
// can say how many there were. A backend that fails ten thousand requests a second then costs a
// line every few seconds, not a disk, and the count still tells how bad it was.
//
// One per worker thread: no locks. Time is an argument, so tests need no clock.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace cutover::log {

class Throttle {
 public:
  using Clock = std::chrono::steady_clock;

  // Keys are 0..keys-1.
  Throttle(std::size_t keys, Clock::duration period);

  // nullopt: stay quiet (the line is counted as held back). Otherwise write the line now; the
  // value is how many lines of `key` were held back since its previous line. A key out of range
  // is always let through.
  std::optional<std::uint64_t> admit(std::size_t key, Clock::time_point now);

  Clock::duration period() const { return period_; }

 private:
  struct Slot {
    std::optional<Clock::time_point> last_line;
    std::uint64_t held_back = 0;
  };
  std::vector<Slot> slots_;
  Clock::duration period_;
};

}  // namespace cutover::log
