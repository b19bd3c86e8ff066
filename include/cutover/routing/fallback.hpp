#pragma once
// Which backend serves a request once the sticky pick is made (DESIGN.md invariant 7). Pure: the
// exchange reads whether each backend has a usable endpoint and asks here. The user's bucket is
// never touched, so the same users go back to the picked backend when it recovers.
#include <cstdint>

namespace cutover::routing {

struct Serving {
  std::uint16_t backend = 0;
  bool fell_back = false;  // the route's fallback stands in for the picked backend
};

// The route's `fallback` (-1: none) serves when the picked backend has no usable endpoint and the
// fallback has one. When neither has, the picked backend keeps the request and tries all its
// endpoints (panic mode): a failing endpoint may still answer, no endpoint never does.
constexpr Serving serving_backend(std::uint16_t picked, std::int32_t fallback, bool picked_usable,
                                  bool fallback_usable) {
  if (fallback < 0 || picked_usable || fallback == picked || !fallback_usable) return {picked, false};
  return {static_cast<std::uint16_t>(fallback), true};
}

}  // namespace cutover::routing
