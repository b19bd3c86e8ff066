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

// After the picked backend took no connection on any endpoint (nothing was sent), whether the
// request goes once more, to the route's `fallback`: only a request without a body (one with a
// body may be partly read already), only once, and only to a fallback that has a usable endpoint.
struct ConnectFailure {
  bool nothing_sent = false;
  bool has_body = false;
  bool already_fell_back = false;  // this request is on the fallback already
  std::uint16_t backend = 0;       // the one that failed
};

constexpr bool falls_back_after(const ConnectFailure& failure, std::int32_t fallback, bool fallback_usable) {
  return failure.nothing_sent && !failure.has_body && !failure.already_fell_back && fallback >= 0 &&
         failure.backend != fallback && fallback_usable;
}

}  // namespace cutover::routing
