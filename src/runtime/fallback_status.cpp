#include "cutover/runtime/fallback_status.hpp"

#include <algorithm>

namespace cutover::runtime {

FallbackStatus fallback_status(const Snapshot& snapshot, std::size_t route_index,
                               std::chrono::steady_clock::time_point now) {
  FallbackStatus out;
  const auto& routes = snapshot.routes->routes();
  const auto route = std::find_if(routes.begin(), routes.end(), [&](const routing::Route& r) { return r.index == route_index; });
  if (route == routes.end() || route->fallback < 0) return out;
  out.configured = true;
  const auto fallback = static_cast<std::uint16_t>(route->fallback);
  out.fallback = snapshot.backends[fallback].name;
  // Without a usable endpoint of its own, the fallback takes over nothing (routing/fallback.hpp).
  if (!snapshot.backends[fallback].health->any_usable(now)) return out;
  const auto& plan = snapshot.plans[route_index];
  std::vector<std::uint16_t> serving{plan.rollback_to};
  for (const auto& band : plan.bands) {
    if (std::find(serving.begin(), serving.end(), band.backend) == serving.end()) serving.push_back(band.backend);
  }
  for (const std::uint16_t backend : serving) {
    if (backend == fallback) continue;
    const auto down = snapshot.backends[backend].health->down(now);
    if (!down.down) continue;
    out.active = true;
    out.down.push_back(snapshot.backends[backend].name);
    if (out.since_unix_ms == 0 || down.since_unix_ms < out.since_unix_ms) {
      out.since_unix_ms = down.since_unix_ms;
      out.reason = out.down.back() + ": " + down.reason;
    }
  }
  return out;
}

}  // namespace cutover::runtime
