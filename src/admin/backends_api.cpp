// GET /admin/backends[/{name}]: each backend's endpoints as the workers see them right now: in
// rotation or not, why (failing checks, ejected and for how long), and since when.
#include <chrono>

#include "admin/api.hpp"
#include "cutover/runtime/overrides_describe.hpp"

namespace cutover::admin::detail {
namespace {

json endpoint_json(const upstream::EndpointStatus& status) {
  json out{{"address", status.address},
           {"usable", status.usable},
           {"health_check_passing", status.check_passing},
           {"ejected", status.ejected},
           {"ejections_total", status.ejections_total}};
  out["ejected_for_ms"] = status.ejected ? json(status.ejected_for.count()) : json(nullptr);
  out["last_change"] = status.reason.empty() ? json(nullptr) : json(status.reason);
  out["last_change_at"] = status.changed_unix_ms == 0 ? json(nullptr) : json(runtime::utc_text(status.changed_unix_ms / 1000));
  out["health_checks"] = json{{"passed", status.checks_passed}, {"failed", status.checks_failed}};
  return out;
}

json backend_json(const runtime::Backend& backend, std::chrono::steady_clock::time_point now) {
  json endpoints = json::array();
  std::size_t usable = 0;
  for (std::size_t i = 0; i < backend.health->size(); ++i) {
    const auto status = backend.health->status(i, now);
    usable += status.usable ? 1 : 0;
    endpoints.push_back(endpoint_json(status));
  }
  const auto& check = backend.config->health_check;
  json out{{"name", backend.name}, {"usable_endpoints", usable}, {"endpoints", endpoints}};
  out["health_check"] = check.enabled ? json{{"path", check.path},
                                             {"interval_ms", check.interval.count()},
                                             {"timeout_ms", check.timeout.count()},
                                             {"healthy", check.healthy},
                                             {"unhealthy", check.unhealthy}}
                                      : json(nullptr);
  // With none usable every endpoint is tried: the answer a request gets is the backend's own.
  out["panic"] = usable == 0;
  return out;
}

}  // namespace

AdminReply handle_backends(const AdminRequest& request, const Target& target, ControlPlane& control) {
  if (request.method != "GET" && request.method != "HEAD") return method_not_allowed("GET /admin/backends");
  const auto snapshot = control.snapshot();
  const auto now = std::chrono::steady_clock::now();
  const auto& segments = target.segments;  // admin, backends, {name}
  if (segments.size() == 2 || (segments.size() == 3 && segments[2].empty())) {
    json backends = json::array();
    for (const auto& backend : snapshot->backends) backends.push_back(backend_json(backend, now));
    return json_reply(200, json{{"backends", backends}});
  }
  if (segments.size() == 3) {
    for (const auto& backend : snapshot->backends) {
      if (backend.name == segments[2]) return json_reply(200, backend_json(backend, now));
    }
    return error_reply(404, "unknown_backend",
                       "no backend '" + segments[2] + "' in the config; GET /admin/backends lists them");
  }
  return error_reply(404, "not_found", "try GET /admin/backends or GET /admin/backends/{name}");
}

}  // namespace cutover::admin::detail
