#pragma once
// GET /admin/routes/{id}/explain?user=U: which backend U gets on a route, U's bucket, and why, in
// words an operator can check against the split ("bucket 1234 < 2500: notes-svc"). Pure: the
// caller passes the plan the route runs (effective_plan) and the override that produced it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "cutover/config/config.hpp"
#include "cutover/routing/split.hpp"
#include "cutover/runtime/overrides.hpp"
#include "cutover/upstream/endpoint_health.hpp"

namespace cutover::runtime {

enum class ExplainReason {
  override_rollback,  // a rollback override sends everything to one backend
  override_split,     // a split override's bands decide (bucket inside or outside them)
  single_backend,     // the route's plan has one backend: no bucket matters
  sticky_none,        // sticky: none picks per request at random; no per-user answer
  bucket_band,        // the bucket lies in a split target's band
  bucket_rest,        // the bucket lies in no band: rollback_to takes the rest
  route_return,       // the route answers at the edge (`return:`): no backend for anyone
  // Reserved for the pick steps that come later (DESIGN.md request flow), so clients can switch
  // on the full set now: a per-user allowlist pinned the user; the picked backend had no healthy
  // endpoint and the route's `fallback` served.
  allowlist,
  health_fallback,
};

std::string_view to_string(ExplainReason reason);

struct Explanation {
  std::string backend;                  // empty for sticky_none: it varies per request
  std::string bucketed_backend;         // with health_fallback: the backend the bucket picks
  std::optional<std::uint32_t> bucket;  // unless sticky: none, even when it does not decide
  ExplainReason reason = ExplainReason::single_backend;
  std::string detail;  // one line: "bucket 1234 < 2500: notes-svc"
};

// `user` is what the route buckets by: the user id, or the sticky cookie's value for
// sticky: cookie and for anonymous users. `applied` is the override `plan` was built with, or
// nullptr when the file decides (fit_override(...).applied false counts as no override).
Explanation explain(const config::Config& config, const config::RouteConfig& route,
                    const routing::SplitPlan& plan, const RouteOverride* applied,
                    std::string_view user);

// The route's fallback serves in place of `explanation.backend`, which has no usable endpoint
// since `down.since_unix_ms` for `down.reason`: the reason becomes health_fallback, the bucket
// stays, and the detail says both what the bucket picks and why the fallback serves instead.
void explain_fallback(Explanation& explanation, std::string_view fallback, const upstream::BackendDown& down);

// {"route", "user", "backend" (null for sticky none), "bucket" (null when absent), "reason",
//  "detail", and with health_fallback "bucketed_backend"}
nlohmann::json to_json(const Explanation& explanation, std::string_view route_id,
                       std::string_view user);

}  // namespace cutover::runtime
