#pragma once
// A hashed timing wheel of deadlines: an entry goes into the slot of the 16 ms tick its deadline
// falls in (4,096 slots, a 65 s turn), so adding and removing cost O(1), and expiring looks only
// at the slots whose ticks have ended, where everything is due except entries a turn or more
// later, which stay. A scan of every deadline on each expiry would cost O(connections) per
// expiry: with 10,000 connections timing out one after another, that was 45% of a worker's CPU
// (docs/archive/performance-log.md). Pure: the time comes in as an argument; the Watchdog
// (watchdog.hpp) drives it with a timer.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include <boost/intrusive/list.hpp>

namespace cutover::http {

class DeadlineWheel {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kTick{16};
  static constexpr std::size_t kSlots = 4096;

  // What the wheel holds: a deadline, linked into one slot while it is pending. auto_unlink: an
  // entry destroyed while linked leaves its slot (remove() also keeps the count).
  struct Entry : boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
    Clock::time_point due;
  };

  DeadlineWheel() = default;
  DeadlineWheel(const DeadlineWheel&) = delete;
  DeadlineWheel& operator=(const DeadlineWheel&) = delete;

  // Adds `entry` by its `due`; a deadline already passed goes into the next slot expire() looks
  // at. Returns the tick of the slot it went into.
  std::int64_t add(Entry& entry);
  void remove(Entry& entry);

  // Takes out every entry due by `now` from the slots whose ticks ended by `now` and hands each
  // to `expired(Entry&)`, which may add entries (never the one it was given back). After a long
  // rest each slot is looked at once.
  template <class Expired>
  void expire(Clock::time_point now, Expired&& expired);

  // The earliest tick not yet looked at whose slot holds an entry; nullopt when the wheel is empty.
  std::optional<std::int64_t> next_tick() const;
  // When that tick ends: the time expire() should next be called.
  static Clock::time_point end_of(std::int64_t tick) { return Clock::time_point(kTick * (tick + 1)); }
  static std::int64_t tick_of(Clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() / kTick.count();
  }
  std::size_t size() const { return count_; }

 private:
  using Slot = boost::intrusive::list<Entry, boost::intrusive::constant_time_size<false>>;
  Slot& slot(std::int64_t tick) { return slots_[static_cast<std::size_t>(tick) % kSlots]; }
  const Slot& slot(std::int64_t tick) const { return slots_[static_cast<std::size_t>(tick) % kSlots]; }

  std::array<Slot, kSlots> slots_;
  std::int64_t done_through_ = 0;  // the slots of ticks up to this one have been looked at
  std::size_t count_ = 0;
};

template <class Expired>
void DeadlineWheel::expire(Clock::time_point now, Expired&& expired) {
  const std::int64_t through = tick_of(now) - 1;
  const std::int64_t first = std::max(done_through_ + 1, through - static_cast<std::int64_t>(kSlots) + 1);
  for (std::int64_t tick = first; tick <= through; ++tick) {
    Slot& entries = slot(tick);
    for (auto it = entries.begin(); it != entries.end();) {
      Entry& entry = *it++;
      if (entry.due > now) continue;  // due a turn or more later
      remove(entry);
      expired(entry);
    }
  }
  done_through_ = std::max(done_through_, through);
}

}  // namespace cutover::http
