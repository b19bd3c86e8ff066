#pragma once
// Durable admin overrides (DESIGN.md invariant 4) as plain data and pure functions: what an
// operator may ask for, and which plan a route runs when an override sits on top of the YAML.
// Nothing here does I/O; state_file.hpp persists an OverrideSet, the admin API applies one.
//
// Decisions an operator sees (the admin API docs should repeat them):
// - A split override is the route's whole split: a split target it does not name gets 0%.
//   It may name only the route's own backends (its split targets, or its single backend when the
//   route has a rollback_to); rollback_to always takes the rest.
// - Rollback sends everything to the route's rollback_to, recorded in the override so a later
//   YAML edit of rollback_to cannot quietly undo it. A route without rollback_to (one backend)
//   cannot be rolled back or split: 409.
// - POST /admin/rollback writes one rollback override per route that can roll back, so each is
//   listed, persisted and cleared (DELETE .../override) like any other. Routes added to the YAML
//   later are not rolled back: they were written after the incident.
// - Overrides outlive YAML edits. An override of a route the YAML no longer has is kept, applies
//   to nothing and is reported as orphaned until deleted (a route renamed back gets it again).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "cutover/config/config.hpp"
#include "cutover/routing/split.hpp"

namespace cutover::runtime {

// Backend name → share. Kept sorted by name so equal overrides compare equal.
using SplitShares = std::vector<std::pair<std::string, config::BasisPoints>>;

struct RouteOverride {
  enum class Kind { split, rollback };
  Kind kind = Kind::rollback;
  SplitShares split;        // Kind::split only
  std::string rollback_to;  // Kind::rollback only: the backend that gets everything
  std::string who;
  std::string why;
  std::int64_t at_unix = 0;
  // The route's file split when the override was set (split_text()); a difference later means
  // the YAML changed under the override, which GET /admin/routes reports as stale.
  std::string file_split;

  bool operator==(const RouteOverride&) const = default;
};

struct OverrideSet {
  std::map<std::string, RouteOverride, std::less<>> routes;  // by route id, orphans included

  const RouteOverride* find(std::string_view route_id) const;
  bool operator==(const OverrideSet&) const = default;
};

// What the admin API answers for bad input: the status to send and a message saying what to fix.
struct OverrideError {
  int status = 400;  // 400 bad input, 404 unknown route, 409 the route cannot take the override
  std::string message;
};

// A JSON percentage (25, 12.5, 0.01) as basis points. Accepted: a finite number in [0, 100]
// whose double is the one nearest to some k/100, i.e. what a JSON parser makes of a decimal with
// at most two fraction digits. 12.345, -1, 100.01, NaN, strings and booleans are rejected.
std::optional<config::BasisPoints> basis_points_from_json(const nlohmann::json& value);
// The inverse: a double that basis_points_from_json() maps back to `bp` exactly.
double percent_value(config::BasisPoints bp);
// The same as a JSON number, an integer when whole so output reads 25 rather than 25.0.
nlohmann::json percent_json(config::BasisPoints bp);
// "12.5%", "25%", "0.01%".
std::string percent_text(config::BasisPoints bp);

// Syntax of a PUT /admin/routes/{id}/split body, {"notes-svc": 50}, into `out` (sorted by name).
// Checks only the shape and each percentage; validate_split() checks it against the config.
std::optional<OverrideError> parse_split_body(const nlohmann::json& body, SplitShares& out);

// Whether `split` may override route `route_id` of `config` (see the decisions above).
std::optional<OverrideError> validate_split(const config::Config& config, std::string_view route_id,
                                            const SplitShares& split);
// Whether route `route_id` can be rolled back.
std::optional<OverrideError> validate_rollback(const config::Config& config,
                                               std::string_view route_id);

// Overrides stamped with who/why/when and the file split they were set against. `split` is
// sorted here; validate it first.
RouteOverride make_split_override(const config::RouteConfig& route, SplitShares split,
                                  std::string who, std::string why, std::int64_t at_unix);
RouteOverride make_rollback_override(const config::RouteConfig& route, std::string who,
                                     std::string why, std::int64_t at_unix);

// POST /admin/rollback: a rollback override for every route that can roll back and has none yet
// (an earlier rollback keeps its who/why/when; a split override is replaced). Returns the ids
// rolled back by this call, in file order.
std::vector<std::string> rollback_all(const config::Config& config, OverrideSet& set,
                                      const std::string& who, const std::string& why,
                                      std::int64_t at_unix);

// A route can roll back (and take a split override) when it has a rollback_to other than its
// single backend.
bool can_roll_back(const config::RouteConfig& route);
const config::RouteConfig* find_route(const config::Config& config, std::string_view id);
std::optional<std::uint16_t> backend_index(const config::Config& config, std::string_view name);
// Backends a split override of `route` may name, in file order.
std::vector<std::string> overridable_backends(const config::RouteConfig& route);
// Canonical one-line text of the route's file split: "notes-svc 25%, rest legacy", "legacy".
std::string split_text(const config::RouteConfig& route);

// How an override sits on the current YAML.
struct OverrideFit {
  bool applied = false;  // the override decides the route's traffic
  bool stale = false;    // the YAML changed under it, or it no longer fits; `reason` says how
  std::string reason;
};
OverrideFit fit_override(const config::Config& config, const config::RouteConfig& route,
                         const RouteOverride& override_);

// The route's override when it applies (fit_override().applied), else nullptr: what explain()
// and effective_plan() should be given.
const RouteOverride* applied_override(const config::Config& config,
                                      const config::RouteConfig& route,
                                      const OverrideSet& overrides);

// The plan a route runs: the file's split, or the override on top of it when fit_override()
// says it applies. A split override keeps the file's target order, so the band layout (and thus
// monotonicity, invariant 1) is the file's. Backend indexes are into config.backends, as in
// RouteTable. `config` must have passed RouteTable::build. Control path: run when a snapshot is
// built or an override changes, and the result published with the snapshot; never per request.
routing::SplitPlan effective_plan(const config::Config& config, const config::RouteConfig& route,
                                  const RouteOverride* override_);

}  // namespace cutover::runtime
