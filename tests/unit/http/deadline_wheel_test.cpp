// The deadline wheel on a synthetic clock: each deadline fires at the first expiry after it
// passed and never before, within one tick of it; deadlines a turn apart share a slot without
// firing early; a long rest looks at each slot once; removal and the next tick to look at.
#include "http/deadline_wheel.hpp"

#include <gtest/gtest.h>

#include <list>
#include <vector>

namespace cutover::http {
namespace {

using namespace std::chrono_literals;
using Clock = DeadlineWheel::Clock;
using Entry = DeadlineWheel::Entry;

// A base far from the epoch, as steady_clock's is, on a tick boundary.
const Clock::time_point kBase = Clock::time_point(DeadlineWheel::kTick * 1'000'000);

struct Fired {
  std::vector<const Entry*> entries;
  void operator()(Entry& entry) { entries.push_back(&entry); }
};

Entry due_at(Clock::time_point due) {
  Entry entry;
  entry.due = due;
  return entry;
}

TEST(DeadlineWheel, ADeadlineFiresAtTheFirstExpiryAfterItsTickEndedNeverBefore) {
  DeadlineWheel wheel;
  wheel.expire(kBase, Fired{});  // the wheel has looked at everything before now
  Entry entry = due_at(kBase + 40ms);
  const auto tick = wheel.add(entry);
  EXPECT_EQ(wheel.next_tick(), tick);
  EXPECT_GE(DeadlineWheel::end_of(tick), entry.due);
  EXPECT_LE(DeadlineWheel::end_of(tick) - entry.due, DeadlineWheel::kTick) << "at most one tick late";

  Fired early;
  wheel.expire(kBase + 39ms, early);
  EXPECT_TRUE(early.entries.empty());
  Fired in_its_tick;
  wheel.expire(entry.due, in_its_tick);  // the tick has not ended yet
  EXPECT_TRUE(in_its_tick.entries.empty());
  Fired fired;
  wheel.expire(DeadlineWheel::end_of(tick), fired);
  ASSERT_EQ(fired.entries.size(), 1u);
  EXPECT_EQ(fired.entries[0], &entry);
  EXPECT_EQ(wheel.size(), 0u);
  EXPECT_FALSE(entry.is_linked());
  EXPECT_EQ(wheel.next_tick(), std::nullopt);
}

TEST(DeadlineWheel, APassedDeadlineGoesIntoTheNextSlotLookedAt) {
  DeadlineWheel wheel;
  wheel.expire(kBase + 100ms, Fired{});
  Entry passed = due_at(kBase - 1s);
  const auto tick = wheel.add(passed);
  EXPECT_EQ(tick, DeadlineWheel::tick_of(kBase + 100ms));
  Fired fired;
  wheel.expire(DeadlineWheel::end_of(tick), fired);
  ASSERT_EQ(fired.entries.size(), 1u);
}

// Slots repeat every turn: a deadline exactly one turn after another shares its slot, and stays
// when that slot's tick ends.
TEST(DeadlineWheel, ADeadlineATurnLaterSharesASlotButDoesNotFire) {
  DeadlineWheel wheel;
  wheel.expire(kBase, Fired{});
  const auto turn = DeadlineWheel::kTick * static_cast<std::int64_t>(DeadlineWheel::kSlots);
  Entry soon = due_at(kBase + 30ms);
  Entry turn_later = due_at(kBase + 30ms + turn);
  wheel.add(soon);
  wheel.add(turn_later);
  Fired first;
  wheel.expire(kBase + 100ms, first);
  ASSERT_EQ(first.entries.size(), 1u);
  EXPECT_EQ(first.entries[0], &soon);
  EXPECT_EQ(wheel.size(), 1u);
  Fired almost;
  wheel.expire(turn_later.due - 1ms, almost);
  EXPECT_TRUE(almost.entries.empty()) << "fired a turn early";
  Fired second;
  wheel.expire(turn_later.due + DeadlineWheel::kTick, second);
  ASSERT_EQ(second.entries.size(), 1u);
  EXPECT_EQ(second.entries[0], &turn_later);
}

// Deadlines that pass one after another (connections timing out in turn), the wheel expired on
// every tick as its timer would: each fires in the first expiry at or after its deadline's tick
// ended, never before the deadline.
TEST(DeadlineWheel, DeadlinesPassingOneAfterAnotherEachFireWithinATick) {
  DeadlineWheel wheel;
  wheel.expire(kBase, Fired{});
  std::list<Entry> entries;
  for (int i = 0; i < 500; ++i) wheel.add(entries.emplace_back(due_at(kBase + 20ms + std::chrono::milliseconds(3 * i))));
  std::size_t fired = 0;
  for (auto now = kBase; wheel.size() > 0; now += 1ms) {
    wheel.expire(now, [&](Entry& entry) {
      EXPECT_LE(entry.due, now) << "fired before its deadline";
      EXPECT_LE(now - entry.due, DeadlineWheel::kTick) << "fired more than a tick late";
      ++fired;
    });
    ASSERT_LT(now, kBase + 10s);
  }
  EXPECT_EQ(fired, entries.size());
}

// After a rest longer than a turn, each slot is looked at once, and everything due fires.
TEST(DeadlineWheel, ALongRestLooksAtEachSlotOnce) {
  DeadlineWheel wheel;
  wheel.expire(kBase, Fired{});
  std::list<Entry> entries;
  for (int i = 0; i < 100; ++i) wheel.add(entries.emplace_back(due_at(kBase + std::chrono::seconds(i))));
  Fired fired;
  wheel.expire(kBase + 1h, fired);
  EXPECT_EQ(fired.entries.size(), 100u);
  EXPECT_EQ(wheel.size(), 0u);
}

TEST(DeadlineWheel, ARemovedEntryNeverFires) {
  DeadlineWheel wheel;
  wheel.expire(kBase, Fired{});
  Entry removed = due_at(kBase + 20ms);
  Entry kept = due_at(kBase + 40ms);
  wheel.add(removed);
  wheel.add(kept);
  EXPECT_EQ(wheel.next_tick(), DeadlineWheel::tick_of(kBase + 20ms));
  wheel.remove(removed);
  EXPECT_EQ(wheel.size(), 1u);
  EXPECT_EQ(wheel.next_tick(), DeadlineWheel::tick_of(kBase + 40ms)) << "the emptied slot is skipped";
  Fired fired;
  wheel.expire(kBase + 1s, fired);
  ASSERT_EQ(fired.entries.size(), 1u);
  EXPECT_EQ(fired.entries[0], &kept);
}

TEST(DeadlineWheel, AnExpiryMayAddDeadlines) {
  DeadlineWheel wheel;
  wheel.expire(kBase, Fired{});
  Entry first = due_at(kBase + 20ms);
  Entry next = due_at(kBase + 200ms);
  wheel.add(first);
  int fired = 0;
  wheel.expire(kBase + 50ms, [&](Entry&) {
    ++fired;
    wheel.add(next);
  });
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(wheel.size(), 1u);
  EXPECT_EQ(wheel.next_tick(), DeadlineWheel::tick_of(next.due));
}

}  // namespace
}  // namespace cutover::http
