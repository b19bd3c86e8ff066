#pragma once
// When the pool closes a connection it is keeping for reuse. Idle upstream connections cost a
// descriptor each on the gateway and a worker or a socket on the backend, so the pool keeps them
// only while they are likely to serve another request:
//  - not past the backend's idle_timeout (set it below the backend's own keep-alive timeout);
//  - not to an endpoint the current config no longer sends to (a reload removed it);
//  - not once the backend has closed its end, or sent bytes nobody asked for (an HTTP server's
//    "408 Request Timeout" before it hangs up): such a socket sits in CLOSE-WAIT until closed.
// The pool applies these in a sweep (pool.hpp); the verdicts here are pure.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <sys/types.h>

namespace cutover::upstream {

// Why the pool let a connection go instead of keeping it (the reasons counted for /metrics).
enum class PoolClose : std::uint8_t { idle_timeout, backend_closed, endpoint_removed };
inline constexpr std::size_t kPoolCloseCount = 3;

// A connection idle longer than this is past its time. Used by the sweep and by take_idle alike.
inline bool idle_expired(std::chrono::steady_clock::time_point idle_since, std::chrono::steady_clock::time_point now,
                         std::chrono::milliseconds idle_timeout) {
  return now - idle_since > idle_timeout;
}

enum class IdleFate : std::uint8_t {
  keep_if_quiet,     // within its time, to a live endpoint: kept unless its socket says otherwise
  endpoint_removed,  // close
  idle_timeout,      // close
};

// The sweep's verdict on one idle connection before it looks at the socket (a system call, spared
// for connections that are going anyway).
IdleFate idle_fate(std::chrono::steady_clock::time_point idle_since, std::chrono::steady_clock::time_point now,
                   std::chrono::milliseconds idle_timeout, bool endpoint_retired);

// What a non-blocking one-byte recv(MSG_PEEK) on an idle connection means: `received` is its
// return value, `error` errno when that is negative. True (close it) for end of file, any byte
// (nothing was asked), or a socket error; false only for "nothing there" (EAGAIN, or a signal).
bool peek_says_gone(ssize_t received, int error);

// How often a worker's pool sweeps its idle connections while it has any. A sweep timer per pool
// rather than an async wait per idle socket: a wait costs an epoll_ctl when a connection goes
// idle and a cancellation posted through the scheduler when it is taken again, on every proxied
// request; the sweep costs nothing per request. It finds backend closes without a system call per
// connection (the reactor records a readable event; only those sockets are peeked), and with a
// quarter second it closes an expired connection within idle_timeout + 0.25 s.
inline constexpr std::chrono::milliseconds kSweepInterval{250};

// Names of PoolClose for /metrics, in its order.
inline constexpr std::string_view kPoolCloseNames[kPoolCloseCount] = {"idle_timeout", "backend_closed",
                                                                      "endpoint_removed"};

}  // namespace cutover::upstream
