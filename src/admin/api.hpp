#pragma once
// Shared pieces of the admin handlers: JSON replies, the parsed request target, the token check.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cutover/admin/control_plane.hpp"
#include "cutover/admin/handlers.hpp"

namespace cutover::admin::detail {

using nlohmann::json;

AdminReply json_reply(unsigned status, const json& body);
AdminReply error_reply(unsigned status, std::string_view code, std::string message);
AdminReply method_not_allowed(std::string_view allowed);

// The request target with its path segments and query parameters percent-decoded.
struct Target {
  std::string path;                   // as sent, without the query
  std::vector<std::string> segments;  // "/admin/routes/a%2Fb" → admin, routes, a/b
  std::map<std::string, std::string, std::less<>> query;
};
std::optional<Target> parse_target(std::string_view target);

// Who made a change and why: the body's "who" and "reason", else the caller's address.
struct Attribution {
  std::string who;
  std::string why;
};

// Everything under /admin/routes and POST /admin/rollback.
AdminReply handle_routes(const AdminRequest& request, const Target& target, ControlPlane& control);
// GET /admin/backends[/{name}]: endpoint health.
AdminReply handle_backends(const AdminRequest& request, const Target& target, ControlPlane& control);
// POST /admin/reload?dry_run=1.
AdminReply handle_dry_run(ControlPlane& control);

}  // namespace cutover::admin::detail
