#include "cutover/admin/handlers.hpp"

#include <openssl/crypto.h>

#include "cutover/identity/credentials.hpp"

namespace cutover::admin {
namespace {

using nlohmann::json;

AdminReply reply(unsigned status, const json& body) { return {status, "application/json", body.dump(2) + "\n"}; }

AdminReply error(unsigned status, std::string_view code, std::string message) {
  return reply(status, json{{"error", code}, {"status", status}, {"message", std::move(message)}});
}

// Constant-time comparison: the token must not leak through response timing.
bool token_matches(std::string_view presented, std::string_view token) {
  return presented.size() == token.size() && CRYPTO_memcmp(presented.data(), token.data(), token.size()) == 0;
}

json reload_json(const ReloadStatus& status) {
  json out{{"ok", status.ok}, {"at_unix_ms", status.at_unix_ms}, {"config_hash", status.config_hash}};
  out["error"] = status.ok ? json(nullptr) : json(status.error);
  return out;
}

}  // namespace

AdminReply handle_admin(const AdminRequest& request, ControlPlane& control, std::string_view token) {
  std::string_view path = request.target.substr(0, request.target.find('?'));
  const bool is_get = request.method == "GET" || request.method == "HEAD";
  const bool is_post = request.method == "POST";

  if (path == "/healthz") {
    if (!is_get) return error(405, "method_not_allowed", "use GET /healthz");
    return reply(200, json{{"status", "ok"}});
  }
  if (path == "/readyz") {
    if (!is_get) return error(405, "method_not_allowed", "use GET /readyz");
    bool ready = control.ready();
    return reply(ready ? 200 : 503, json{{"ready", ready}, {"reason", ready ? "serving" : "draining"}});
  }
  if (path == "/metrics") {
    if (!is_get) return error(405, "method_not_allowed", "use GET /metrics");
    return {200, "text/plain; version=0.0.4; charset=utf-8", control.metrics()};
  }
  if (path == "/admin/status") {
    if (!is_get) return error(405, "method_not_allowed", "use GET /admin/status");
    return reply(200, control.status());
  }
  if (path == "/admin/reload") {
    if (!is_post) return error(405, "method_not_allowed", "use POST /admin/reload");
    if (!token.empty() && !token_matches(identity::bearer_token(request.authorization), token)) {
      return error(401, "unauthorized", "this call needs 'Authorization: Bearer <token>' with the token from admin.token_file");
    }
    ReloadStatus status = control.reload();
    json body{{"reloaded", status.ok}, {"last_reload", reload_json(status)}};
    // 422: the request was fine, the config file is not; nothing changed.
    return reply(status.ok ? 200 : 422, body);
  }
  return error(404, "not_found",
               "no admin endpoint " + std::string(path) +
                   "; try GET /admin/status, POST /admin/reload, GET /metrics, GET /healthz, GET /readyz");
}

}  // namespace cutover::admin
