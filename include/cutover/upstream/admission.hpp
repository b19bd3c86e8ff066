#pragma once
// Who may use an endpoint's connections under max_connections_per_endpoint: the queue model of
// the pool (pool.hpp), as pure decisions on counts. The pool keeps the counts and the waiters and
// carries out what these say; they are tested without a socket (admission_test.cpp).
//
// `open` counts an endpoint's connections open or opening, idle ones included, plus the leaves to
// connect given to waiters that have not connected yet; `limit` 0 means none.
#include <cstddef>

namespace cutover::upstream {

struct EndpointCounts {
  std::size_t open = 0;
  std::size_t limit = 0;
  std::size_t waiting = 0;  // requests queued for a connection, oldest first
};

// A newcomer may open a connection now: there is room, and nobody queued before it (a raised
// limit lets the waiters in first).
constexpr bool newcomer_may_connect(const EndpointCounts& counts) {
  return counts.waiting == 0 && (counts.limit == 0 || counts.open < counts.limit);
}

// How many of the oldest waiters may open a connection now (each place is counted for its waiter
// at once, so a newcomer cannot take it).
constexpr std::size_t waiters_to_admit(const EndpointCounts& counts) {
  if (counts.limit == 0) return counts.waiting;
  if (counts.open >= counts.limit) return 0;
  const std::size_t room = counts.limit - counts.open;
  return room < counts.waiting ? room : counts.waiting;
}

// What becomes of a connection whose exchange ended well (its response complete).
enum class ReturnedConnection {
  close_over_limit,     // a reload lowered the limit, or an auth subrequest opened it unqueued
  hand_to_oldest,       // warm: straight to the oldest waiter, never idle while anyone waits
  close_retired,        // the config no longer sends to this endpoint
  close_no_idle_room,   // max_idle_per_endpoint already idle
  keep_idle,
};

struct ReturnFacts {
  EndpointCounts counts;
  bool retired = false;
  std::size_t idle = 0;  // connections idle at the endpoint now
  std::size_t max_idle = 0;
};

constexpr ReturnedConnection on_return(const ReturnFacts& facts) {
  // While requests queue nothing goes idle, so an endpoint over its limit would otherwise never
  // shrink back to it.
  if (facts.counts.limit != 0 && facts.counts.open > facts.counts.limit) return ReturnedConnection::close_over_limit;
  if (facts.counts.waiting > 0) return ReturnedConnection::hand_to_oldest;
  if (facts.retired) return ReturnedConnection::close_retired;
  if (facts.idle >= facts.max_idle) return ReturnedConnection::close_no_idle_room;
  return ReturnedConnection::keep_idle;
}

}  // namespace cutover::upstream
