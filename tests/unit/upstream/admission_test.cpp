// The queue model of max_connections_per_endpoint, without a socket: who may connect, how many
// waiters a freed place admits, and what becomes of a connection that comes back.
#include "cutover/upstream/admission.hpp"

#include <gtest/gtest.h>

namespace cutover::upstream {
namespace {

TEST(Admission, ANewcomerConnectsOnlyWithRoomAndNobodyQueued) {
  struct Row {
    EndpointCounts counts;
    bool may_connect;
  };
  const Row rows[] = {
      {{.open = 0, .limit = 0, .waiting = 0}, true},    // no limit
      {{.open = 100, .limit = 0, .waiting = 0}, true},  // still no limit
      {{.open = 1, .limit = 2, .waiting = 0}, true},
      {{.open = 2, .limit = 2, .waiting = 0}, false},   // full
      {{.open = 3, .limit = 2, .waiting = 0}, false},   // over (a lowered limit)
      {{.open = 1, .limit = 2, .waiting = 1}, false},   // room, but someone queued first
      {{.open = 0, .limit = 0, .waiting = 1}, false},   // arrival order holds without a limit too
  };
  for (const auto& row : rows) {
    EXPECT_EQ(newcomer_may_connect(row.counts), row.may_connect)
        << "open " << row.counts.open << " limit " << row.counts.limit << " waiting " << row.counts.waiting;
  }
}

TEST(Admission, FreedPlacesAdmitTheOldestWaitersAndNoMore) {
  EXPECT_EQ(waiters_to_admit({.open = 2, .limit = 2, .waiting = 3}), 0u);
  EXPECT_EQ(waiters_to_admit({.open = 1, .limit = 2, .waiting = 3}), 1u);
  EXPECT_EQ(waiters_to_admit({.open = 0, .limit = 5, .waiting = 3}), 3u) << "a raised limit admits everyone it has room for";
  EXPECT_EQ(waiters_to_admit({.open = 4, .limit = 2, .waiting = 3}), 0u) << "over a lowered limit: nobody until enough closed";
  EXPECT_EQ(waiters_to_admit({.open = 9, .limit = 0, .waiting = 2}), 2u) << "the limit was removed";
  EXPECT_EQ(waiters_to_admit({.open = 0, .limit = 2, .waiting = 0}), 0u);
}

TEST(Admission, AReturnedConnectionGoesToAWaiterBeforeTheIdleStack) {
  using R = ReturnedConnection;
  struct Row {
    ReturnFacts facts;
    ReturnedConnection expected;
    const char* why;
  };
  const Row rows[] = {
      {{{.open = 2, .limit = 2, .waiting = 1}, false, 0, 64}, R::hand_to_oldest, "someone waits"},
      {{{.open = 2, .limit = 2, .waiting = 1}, true, 0, 64}, R::hand_to_oldest, "a waiter still wants a retired endpoint"},
      {{{.open = 3, .limit = 2, .waiting = 1}, false, 0, 64}, R::close_over_limit, "over a lowered limit: shrink"},
      {{{.open = 3, .limit = 2, .waiting = 0}, false, 0, 64}, R::close_over_limit, "over the limit, nobody waiting"},
      {{{.open = 1, .limit = 0, .waiting = 0}, true, 0, 64}, R::close_retired, "the config no longer sends here"},
      {{{.open = 5, .limit = 0, .waiting = 0}, false, 4, 4}, R::close_no_idle_room, "max_idle_per_endpoint idle already"},
      {{{.open = 1, .limit = 0, .waiting = 0}, false, 0, 0}, R::close_no_idle_room, "max_idle_per_endpoint 0 keeps none"},
      {{{.open = 2, .limit = 2, .waiting = 0}, false, 1, 64}, R::keep_idle, "at the limit, not over it"},
      {{{.open = 1, .limit = 0, .waiting = 0}, false, 0, 64}, R::keep_idle, "the usual case"},
  };
  for (const auto& row : rows) EXPECT_EQ(on_return(row.facts), row.expected) << row.why;
}

}  // namespace
}  // namespace cutover::upstream
