#pragma once
// The admin API's request handling as a function of (request, control plane): no sockets.
// JSON in and out; errors say what to fix. Calls and answers: README "Admin API".
#include <string>
#include <string_view>

#include "cutover/admin/control_plane.hpp"

namespace cutover::admin {

struct AdminRequest {
  std::string_view method;         // "GET"
  std::string_view target;         // "/admin/status?x=1"
  std::string_view authorization;  // the Authorization header, "" when absent
  std::string_view body;
  std::string_view peer;           // the client's address: who made a change, when the body says nothing
};

struct AdminReply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// `token`: the configured admin token; empty means mutating calls need no token.
AdminReply handle_admin(const AdminRequest& request, ControlPlane& control, std::string_view token);

}  // namespace cutover::admin
