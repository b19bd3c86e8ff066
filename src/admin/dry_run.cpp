// POST /admin/reload?dry_run=1: what a reload of the file as it is now would change, per route,
// with the exact share of users that would change backend. Nothing is published.
#include "admin/api.hpp"
#include "cutover/config/diagnostic.hpp"
#include "cutover/runtime/plan_diff.hpp"

namespace cutover::admin::detail {

AdminReply handle_dry_run(ControlPlane& control) {
  auto current = control.snapshot();
  std::shared_ptr<const runtime::Snapshot> candidate;
  try {
    candidate = control.load_candidate();
  } catch (const std::exception& e) {
    // Same status as a failed real reload: the request was fine, the file is not.
    return json_reply(422, json{{"dry_run", true}, {"valid", false}, {"error", e.what()}});
  }
  const auto diffs = runtime::diff_configs(current->config, candidate->config, current->overrides);
  json routes = json::array();
  std::size_t changed = 0;
  for (const auto& diff : diffs) {
    if (diff.change != runtime::RouteDiff::Change::unchanged) ++changed;
    routes.push_back(runtime::to_json(diff));
  }
  json warnings = json::array();
  for (const auto& warning : candidate->warnings) warnings.push_back(warning.to_string());
  return json_reply(200, json{{"dry_run", true},
                              {"valid", true},
                              {"config_hash", candidate->config_hash},
                              {"config_changed", candidate->config_hash != current->config_hash},
                              {"changed_routes", changed},
                              {"warnings", warnings},
                              {"routes", routes}});
}

}  // namespace cutover::admin::detail
