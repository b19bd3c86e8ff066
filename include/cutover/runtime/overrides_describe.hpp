#pragma once
// What GET /admin/routes shows about splits and overrides: the file's split, the effective split,
// the override (who, when, why) and, when the YAML changed under an override, `stale` with a
// reason in plain words. Overrides of routes the YAML no longer has are listed as orphaned.
// Pure: live per-backend stats are merged in by the admin handler.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "cutover/config/config.hpp"
#include "cutover/routing/split.hpp"
#include "cutover/runtime/overrides.hpp"

namespace cutover::runtime {

struct BackendShare {
  std::string backend;
  config::BasisPoints share = 0;
  bool rollback_to = false;  // the route's rollback_to (takes what no band covers)

  bool operator==(const BackendShare&) const = default;
};

// Each backend's share of `plan`: the route's own backends in file order (0% ones too), then any
// other band owner, then rollback_to. Shares add up to 100%; none for a route that answers at the
// edge (`return:`).
std::vector<BackendShare> plan_shares(const config::Config& config,
                                      const config::RouteConfig& route,
                                      const routing::SplitPlan& plan);

struct RouteReport {
  std::string id;
  std::vector<BackendShare> file_split;
  std::vector<BackendShare> effective_split;
  std::optional<unsigned> answers;         // the status of a route's `return:`; no backend then
  std::optional<RouteOverride> override_;  // a copy: a report may outlive the set
  OverrideFit fit;                         // meaningful when override_ is set
};

struct OrphanedOverride {
  std::string route_id;
  RouteOverride override_;
  std::string reason;  // for the operator: not applied, and how to drop it
};

struct OverridesReport {
  std::vector<RouteReport> routes;         // file order
  std::vector<OrphanedOverride> orphaned;  // by route id; applied to nothing
};

RouteReport describe_route(const config::Config& config, const config::RouteConfig& route,
                           const OverrideSet& overrides);
OverridesReport describe_routes(const config::Config& config, const OverrideSet& overrides);
std::vector<OrphanedOverride> orphaned_overrides(const config::Config& config,
                                                 const OverrideSet& overrides);

// "2026-11-21T12:32:38Z".
std::string utc_text(std::int64_t at_unix);

// {"id", "file_split": [{"backend", "percent", "rollback_to"?}], "effective_split": [...],
//  "return"?: {"status"} (then both splits are empty),
//  "override": null | {"kind", "split"|"rollback_to", "who", "reason", "at", "at_unix", "applied",
//  "stale", "stale_reason"?}}
nlohmann::json to_json(const RouteReport& report);
// {"routes": [...], "orphaned_overrides": [{"route", "override": {..., "applied": false,
//  "stale": true, "stale_reason"}}]}
nlohmann::json to_json(const OverridesReport& report);

}  // namespace cutover::runtime
