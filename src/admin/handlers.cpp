#include "cutover/admin/handlers.hpp"

#include <openssl/crypto.h>

#include <boost/url/parse.hpp>

#include "admin/api.hpp"
#include "cutover/identity/credentials.hpp"

namespace cutover::admin {
namespace detail {

AdminReply json_reply(unsigned status, const json& body) { return {status, "application/json", body.dump(2) + "\n"}; }

AdminReply error_reply(unsigned status, std::string_view code, std::string message) {
  return json_reply(status, json{{"error", code}, {"status", status}, {"message", std::move(message)}});
}

AdminReply method_not_allowed(std::string_view allowed) {
  return error_reply(405, "method_not_allowed", "use " + std::string(allowed));
}

std::optional<Target> parse_target(std::string_view text) {
  auto parsed = boost::urls::parse_origin_form(text);
  if (!parsed) return std::nullopt;
  Target target;
  target.path = std::string(parsed->encoded_path());
  for (auto segment : parsed->segments()) target.segments.push_back(segment);
  for (auto param : parsed->params()) target.query.insert_or_assign(param.key, param.has_value ? param.value : "");
  return target;
}

}  // namespace detail

namespace {

using detail::error_reply;
using detail::json;
using detail::json_reply;
using detail::method_not_allowed;

// Constant-time comparison: the token must not leak through response timing.
bool token_matches(std::string_view presented, std::string_view token) {
  return presented.size() == token.size() && CRYPTO_memcmp(presented.data(), token.data(), token.size()) == 0;
}

json reload_json(const ReloadStatus& status) {
  json out{{"ok", status.ok}, {"at_unix_ms", status.at_unix_ms}, {"config_hash", status.config_hash}};
  out["error"] = status.ok ? json(nullptr) : json(status.error);
  return out;
}

bool starts_with_segments(const std::vector<std::string>& segments, std::initializer_list<std::string_view> prefix) {
  if (segments.size() < prefix.size()) return false;
  std::size_t i = 0;
  for (auto part : prefix) {
    if (segments[i++] != part) return false;
  }
  return true;
}

}  // namespace

AdminReply handle_admin(const AdminRequest& request, ControlPlane& control, std::string_view token) {
  auto target = detail::parse_target(request.target);
  if (!target) return error_reply(400, "bad_target", "the request target is not a valid path");
  const std::string& path = target->path;
  const bool is_get = request.method == "GET" || request.method == "HEAD";
  const bool is_post = request.method == "POST";

  if (path == "/healthz") {
    if (!is_get) return method_not_allowed("GET /healthz");
    return json_reply(200, json{{"status", "ok"}});
  }
  if (path == "/readyz") {
    if (!is_get) return method_not_allowed("GET /readyz");
    bool ready = control.ready();
    return json_reply(ready ? 200 : 503, json{{"ready", ready}, {"reason", ready ? "serving" : "draining"}});
  }
  if (path == "/metrics") {
    if (!is_get) return method_not_allowed("GET /metrics");
    return {200, "text/plain; version=0.0.4; charset=utf-8", control.metrics()};
  }
  if (path == "/admin/status") {
    if (!is_get) return method_not_allowed("GET /admin/status");
    return json_reply(200, control.status());
  }

  if (starts_with_segments(target->segments, {"admin", "backends"})) return detail::handle_backends(request, *target, control);
  const bool is_admin_call = path == "/admin/reload" || path == "/admin/rollback" ||
                             starts_with_segments(target->segments, {"admin", "routes"});
  if (!is_admin_call) {
    return error_reply(404, "not_found",
                       "no admin endpoint " + path +
                           "; try GET /admin/routes, GET /admin/backends, GET /admin/status, POST /admin/reload, "
                           "GET /metrics, GET /healthz, GET /readyz");
  }
  // Anything that changes the gateway needs the token; reading never does.
  if (!is_get && !token.empty() && !token_matches(identity::bearer_token(request.authorization), token)) {
    return error_reply(401, "unauthorized",
                       "this call needs 'Authorization: Bearer <token>' with the token from admin.token_file");
  }
  if (path == "/admin/reload") {
    if (!is_post) return method_not_allowed("POST /admin/reload");
    if (auto dry = target->query.find("dry_run"); dry != target->query.end() && dry->second != "0" && dry->second != "false") {
      return detail::handle_dry_run(control);
    }
    ReloadStatus status = control.reload();
    json body{{"reloaded", status.ok}, {"last_reload", reload_json(status)}};
    // 422: the request was fine, the config file is not; nothing changed.
    return json_reply(status.ok ? 200 : 422, body);
  }
  return detail::handle_routes(request, *target, control);
}

}  // namespace cutover::admin
