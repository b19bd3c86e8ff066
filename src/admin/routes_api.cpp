// GET /admin/routes[/{id}], PUT .../split, POST .../rollback, POST /admin/rollback,
// DELETE .../override, GET .../explain. Each mutation: validate, change a copy of the override
// set, let the control plane save it and publish it, then answer with the route as it now runs.
#include <cmath>
#include <unordered_map>

#include "admin/api.hpp"
#include "cutover/metrics/window.hpp"
#include "cutover/runtime/explain.hpp"
#include "cutover/runtime/fallback_status.hpp"
#include "cutover/runtime/overrides_describe.hpp"
#include "cutover/runtime/plan_diff.hpp"

namespace cutover::admin::detail {
namespace {

using runtime::OverrideSet;
using runtime::Snapshot;

// Histogram estimates carry no 15-digit precision; short numbers read better in a terminal.
double rounded(double value, double scale) { return std::round(value * scale) / scale; }

// Live numbers per route name, then per backend name, from the scrape's own layout (a reload may
// have renumbered routes since the snapshot a caller holds).
class StatsIndex {
 public:
  explicit StatsIndex(const LiveStats& live) : seconds_(live.seconds) {
    const auto& scrape = live.windows;
    if (!scrape.layout) return;
    const auto& layout = *scrape.layout;
    for (std::uint32_t cell = 0; cell < layout.cells() && cell < scrape.windows.size(); ++cell) {
      by_route_[layout.route_names()[layout.route_of(cell)]].emplace_back(
          layout.backend_names()[layout.backend_of(cell)], scrape.windows[cell]);
    }
  }

  json for_route(const std::string& route_id) const {
    json out = json::array();
    auto found = by_route_.find(route_id);
    if (found == by_route_.end()) return out;
    for (const auto& [backend, window] : found->second) {
      const auto summary = metrics::summarize(window, seconds_);
      out.push_back({{"backend", backend},
                     {"requests", summary.requests},
                     {"rps", rounded(summary.requests_per_second, 1000)},
                     {"error_rate_5xx", rounded(summary.error_rate, 10000)},
                     {"p50_ms", rounded(summary.p50_ms, 1000)},
                     {"p99_ms", rounded(summary.p99_ms, 1000)}});
    }
    return out;
  }

  double seconds() const { return seconds_; }

 private:
  double seconds_;
  std::unordered_map<std::string, std::vector<std::pair<std::string, metrics::WindowSnapshot>>> by_route_;
};

json match_json(const config::MatchConfig& match) {
  json out = json::object();
  if (!match.path.empty()) out["path"] = match.path;
  if (!match.prefix.empty()) out["prefix"] = match.prefix;
  out["methods"] = match.methods;
  if (!match.host.empty()) out["host"] = match.host;
  return out;
}

// "fallback": the backend, "fallback_active", and while it is: since when, why, and for which backends.
void add_fallback(json& out, const Snapshot& snapshot, std::size_t index) {
  const auto status = runtime::fallback_status(snapshot, index, std::chrono::steady_clock::now());
  if (!status.configured) return;
  out["fallback"] = status.fallback;
  out["fallback_active"] = status.active;
  if (!status.active) return;
  out["fallback_for"] = status.down;
  out["fallback_since_unix_ms"] = status.since_unix_ms;
  out["fallback_since"] = runtime::utc_text(status.since_unix_ms / 1000);
  out["fallback_reason"] = status.reason;
}

json route_json(const Snapshot& snapshot, const config::RouteConfig& route, const StatsIndex& stats) {
  json out = runtime::to_json(runtime::describe_route(snapshot.config, route, snapshot.overrides));
  out["match"] = match_json(route.match);
  add_fallback(out, snapshot, static_cast<std::size_t>(&route - snapshot.config.routes.data()));
  out["stats"] = stats.for_route(route.id);
  return out;
}

json route_json(const Snapshot& snapshot, const config::RouteConfig& route, const LiveStats& live) {
  return route_json(snapshot, route, StatsIndex(live));
}

AdminReply override_error(const runtime::OverrideError& error) {
  std::string_view code = error.status == 404 ? "unknown_route" : error.status == 409 ? "conflict" : "bad_request";
  return error_reply(static_cast<unsigned>(error.status), code, error.message);
}

AdminReply unknown_route(std::string_view id) {
  return error_reply(404, "unknown_route",
                     "no route '" + std::string(id) + "' in the config; GET /admin/routes lists them");
}

// The body of a change: empty, or a JSON object. `split_form` accepts {"backend": percent} as
// well as {"split": {...}, "reason", "who"}; the split, if any, is left in `split_body`.
std::optional<AdminReply> read_change_body(const AdminRequest& request, bool split_form, Attribution& attribution,
                                           json& split_body) {
  attribution.who = request.peer.empty() ? "admin" : "admin@" + std::string(request.peer);
  json body = json::object();
  if (!request.body.empty()) {
    body = json::parse(request.body, nullptr, false);
    if (body.is_discarded()) return error_reply(400, "bad_json", "the body is not valid JSON");
    if (!body.is_object()) return error_reply(400, "bad_json", "the body must be a JSON object");
  }
  const bool wrapped = body.contains("split") && body["split"].is_object();
  if (split_form && !wrapped) {
    split_body = body;
    return std::nullopt;
  }
  for (const auto& [key, value] : body.items()) {
    if (key == "split" && split_form) {
      split_body = value;
    } else if (key == "reason" || key == "why" || key == "who") {  // "why": the reason's old name
      if (!value.is_string()) return error_reply(400, "bad_request", "'" + key + "' must be a string");
      if (value.get_ref<const std::string&>().size() > 1024) {
        return error_reply(400, "bad_request", "'" + key + "' is longer than 1024 characters");
      }
      (key == "who" ? attribution.who : attribution.why) = value.get<std::string>();
    } else {
      return error_reply(400, "bad_request",
                         "unknown field '" + key + "'; a change takes " +
                             (split_form ? "{\"split\": {...}, \"reason\": \"...\", \"who\": \"...\"}"
                                         : "{\"reason\": \"...\", \"who\": \"...\"}") +
                             ", all optional");
    }
  }
  return std::nullopt;
}

// The users a change moves on one route, exactly (bucket arithmetic, see plan_diff.hpp).
json moves_json(const Snapshot& before, const Snapshot& after, std::string_view route_id) {
  const auto* old_route = runtime::find_route(before.config, route_id);
  const auto* new_route = runtime::find_route(after.config, route_id);
  json out{{"moved_percent", 0}, {"moves", json::array()}};
  if (!old_route || !new_route) return out;
  const auto moves = runtime::moved_share(
      before.config, before.plans[static_cast<std::size_t>(old_route - before.config.routes.data())], after.config,
      after.plans[static_cast<std::size_t>(new_route - after.config.routes.data())]);
  for (const auto& move : moves) {
    out["moves"].push_back({{"from", move.from}, {"to", move.to}, {"percent", runtime::percent_json(move.basis_points)}});
  }
  out["moved_percent"] = runtime::percent_json(runtime::total_moved(moves));
  return out;
}

// Saves and publishes `next` (or, for a dry run, only works out what it would do), then answers
// with `route_id` as it now runs and the users the change moved.
AdminReply commit(ControlPlane& control, OverrideSet next, std::string_view route_id, bool dry_run,
                  json extra = json::object()) {
  const auto before = control.snapshot();
  std::shared_ptr<const Snapshot> after;
  if (dry_run) {
    after = runtime::with_overrides(*before, std::move(next));
    extra["dry_run"] = true;
  } else {
    if (auto failure = control.replace_overrides(std::move(next))) {
      return error_reply(500, "state_file_error", "nothing changed: " + *failure);
    }
    after = control.snapshot();
  }
  const auto* route = runtime::find_route(after->config, route_id);
  extra["route"] = route ? route_json(*after, *route, control.live_stats()) : json(nullptr);
  extra.update(moves_json(*before, *after, route_id));
  return json_reply(200, extra);
}

bool wants_dry_run(const Target& target) {
  auto dry = target.query.find("dry_run");
  return dry != target.query.end() && dry->second != "0" && dry->second != "false";
}

std::int64_t at(ControlPlane& control) { return control.now_unix(); }

AdminReply put_split(const AdminRequest& request, const Target& target, const std::string& id, ControlPlane& control) {
  Attribution attribution;
  json split_body;
  if (auto bad = read_change_body(request, true, attribution, split_body)) return *bad;
  if (request.body.empty()) {
    return error_reply(400, "bad_request", "the body must be the new split, e.g. {\"notes-svc\": 25}");
  }
  runtime::SplitShares split;
  if (auto error = runtime::parse_split_body(split_body, split)) return override_error(*error);
  auto snapshot = control.snapshot();
  if (auto error = runtime::validate_split(snapshot->config, id, split)) return override_error(*error);
  const auto& route = *runtime::find_route(snapshot->config, id);
  OverrideSet next = snapshot->overrides;
  next.routes.insert_or_assign(id, runtime::make_split_override(route, std::move(split), attribution.who,
                                                                attribution.why, at(control)));
  return commit(control, std::move(next), id, wants_dry_run(target));
}

AdminReply post_rollback(const AdminRequest& request, const Target& target, const std::string& id,
                         ControlPlane& control) {
  Attribution attribution;
  json unused;
  if (auto bad = read_change_body(request, false, attribution, unused)) return *bad;
  auto snapshot = control.snapshot();
  if (auto error = runtime::validate_rollback(snapshot->config, id)) return override_error(*error);
  const auto& route = *runtime::find_route(snapshot->config, id);
  OverrideSet next = snapshot->overrides;
  next.routes.insert_or_assign(id, runtime::make_rollback_override(route, attribution.who, attribution.why, at(control)));
  return commit(control, std::move(next), id, wants_dry_run(target));
}

AdminReply post_rollback_all(const AdminRequest& request, ControlPlane& control) {
  Attribution attribution;
  json unused;
  if (auto bad = read_change_body(request, false, attribution, unused)) return *bad;
  auto snapshot = control.snapshot();
  OverrideSet next = snapshot->overrides;
  auto rolled_back = runtime::rollback_all(snapshot->config, next, attribution.who, attribution.why, at(control));
  if (auto failure = control.replace_overrides(std::move(next))) {
    return error_reply(500, "state_file_error", "nothing changed: " + *failure);
  }
  snapshot = control.snapshot();
  StatsIndex stats(control.live_stats());
  json routes = json::array();
  json skipped = json::array();
  for (const auto& route : snapshot->config.routes) {
    if (runtime::can_roll_back(route)) routes.push_back(route_json(*snapshot, route, stats));
    else skipped.push_back({{"id", route.id}, {"reason", "one backend and no rollback_to: nothing to roll back to"}});
  }
  // rolled_back: changed by this call; routes already rolled back keep their earlier who/why.
  return json_reply(200, json{{"rolled_back", rolled_back}, {"routes", routes}, {"not_rolled_back", skipped}});
}

AdminReply delete_override(const Target& target, const std::string& id, ControlPlane& control) {
  auto snapshot = control.snapshot();
  const auto* route = runtime::find_route(snapshot->config, id);
  if (!snapshot->overrides.find(id)) {
    if (!route) return unknown_route(id);
    // Idempotent: a retried DELETE (or a double-click in a runbook) is not an error.
    return json_reply(200, json{{"cleared", false}, {"route", route_json(*snapshot, *route, control.live_stats())}});
  }
  OverrideSet next = snapshot->overrides;
  next.routes.erase(next.routes.find(id));
  return commit(control, std::move(next), id, wants_dry_run(target), json{{"cleared", true}});
}

AdminReply get_explain(const Target& target, const std::string& id, ControlPlane& control) {
  auto snapshot = control.snapshot();
  const auto* route = runtime::find_route(snapshot->config, id);
  if (!route) return unknown_route(id);
  auto user = target.query.find("user");
  if (user == target.query.end() || user->second.empty()) {
    return error_reply(400, "bad_request",
                       "say whose backend to explain: GET /admin/routes/" + id + "/explain?user=<user id or sticky cookie>");
  }
  const auto index = static_cast<std::size_t>(route - snapshot->config.routes.data());
  const auto* applied = runtime::applied_override(snapshot->config, *route, snapshot->overrides);
  auto explanation = runtime::explain(snapshot->config, *route, snapshot->plans[index], applied, user->second);
  // What the request path would do next: the fallback stands in while the pick has no usable endpoint.
  const auto fallback = runtime::fallback_status(*snapshot, index, std::chrono::steady_clock::now());
  if (fallback.active) {
    for (const auto& backend : snapshot->backends) {
      if (backend.name != explanation.backend) continue;
      const auto down = backend.health->down(std::chrono::steady_clock::now());
      if (down.down) runtime::explain_fallback(explanation, fallback.fallback, down);
    }
  }
  return json_reply(200, runtime::to_json(explanation, id, user->second));
}

AdminReply get_routes(ControlPlane& control) {
  auto snapshot = control.snapshot();
  StatsIndex stats(control.live_stats());
  json routes = json::array();
  for (const auto& route : snapshot->config.routes) routes.push_back(route_json(*snapshot, route, stats));
  runtime::OverridesReport orphans{{}, runtime::orphaned_overrides(snapshot->config, snapshot->overrides)};
  json orphaned = runtime::to_json(orphans)["orphaned_overrides"];
  return json_reply(200, json{{"config_hash", snapshot->config_hash},
                              {"generation", snapshot->generation},
                              {"stats_window_seconds", stats.seconds()},
                              {"routes", routes},
                              {"orphaned_overrides", orphaned}});
}

}  // namespace

AdminReply handle_routes(const AdminRequest& request, const Target& target, ControlPlane& control) {
  const auto& segments = target.segments;  // admin, routes, {id}, {action}
  const bool is_get = request.method == "GET" || request.method == "HEAD";
  if (target.path == "/admin/rollback") {
    if (request.method != "POST") return method_not_allowed("POST /admin/rollback");
    return post_rollback_all(request, control);
  }
  if (segments.size() == 2 || (segments.size() == 3 && segments[2].empty())) {
    if (!is_get) return method_not_allowed("GET /admin/routes");
    return get_routes(control);
  }
  const std::string& id = segments[2];
  if (segments.size() == 3) {
    if (!is_get) return method_not_allowed("GET /admin/routes/" + id);
    auto snapshot = control.snapshot();
    const auto* route = runtime::find_route(snapshot->config, id);
    if (!route) return unknown_route(id);
    return json_reply(200, route_json(*snapshot, *route, control.live_stats()));
  }
  if (segments.size() == 4) {
    const std::string& action = segments[3];
    const std::string base = "/admin/routes/" + id + "/" + action;
    if (action == "split") {
      if (request.method != "PUT") return method_not_allowed("PUT " + base);
      return put_split(request, target, id, control);
    }
    if (action == "rollback") {
      if (request.method != "POST") return method_not_allowed("POST " + base);
      return post_rollback(request, target, id, control);
    }
    if (action == "override") {
      if (request.method != "DELETE") return method_not_allowed("DELETE " + base);
      return delete_override(target, id, control);
    }
    if (action == "explain") {
      if (!is_get) return method_not_allowed("GET " + base + "?user=U");
      return get_explain(target, id, control);
    }
  }
  return error_reply(404, "not_found",
                     "no admin endpoint " + target.path +
                         "; under /admin/routes/{id} there are: GET, PUT split, POST rollback, DELETE override, "
                         "GET explain?user=U");
}

}  // namespace cutover::admin::detail
