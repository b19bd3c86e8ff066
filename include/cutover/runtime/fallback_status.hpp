#pragma once
// Whether a route is running on its fallback right now, and why: what GET /admin/routes,
// explain and /metrics show. Read from the backends' health at the moment asked.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "cutover/runtime/snapshot.hpp"

namespace cutover::runtime {

struct FallbackStatus {
  bool configured = false;  // the route names a fallback
  bool active = false;      // some of its users are being served by it now
  std::string fallback;     // the fallback's backend name
  std::vector<std::string> down;  // the route's backends with no usable endpoint (the fallback excepted)
  std::int64_t since_unix_ms = 0; // when the first of them went down
  std::string reason;             // that backend's last change, in words
};

// `route_index` into config.routes; `now` on the workers' clock (steady).
FallbackStatus fallback_status(const Snapshot& snapshot, std::size_t route_index,
                               std::chrono::steady_clock::time_point now);

}  // namespace cutover::runtime
