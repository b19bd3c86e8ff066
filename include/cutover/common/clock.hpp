#pragma once
// Wall-clock time for logs, token expiry and status output. Decisions take time as a parameter;
// only the I/O code that calls them reads the clock, through these.
#include <chrono>
#include <cstdint>

namespace cutover {

inline std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline std::int64_t unix_seconds() { return unix_ms() / 1000; }

// Whole seconds of the monotonic clock: what the 60 s metric windows are keyed by. Workers and
// the scrape must read the same clock, and a wall-clock step must not empty a window.
inline std::int64_t steady_seconds(std::chrono::steady_clock::time_point at) {
  return std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
}
inline std::int64_t steady_seconds() { return steady_seconds(std::chrono::steady_clock::now()); }

}  // namespace cutover
