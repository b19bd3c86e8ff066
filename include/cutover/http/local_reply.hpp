#pragma once
// Replies the gateway writes itself (404 no route, 502, 504, 401 ...): always JSON with a stable
// machine-readable `error`, a sentence for humans, and the request id to grep the logs for.
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "cutover/metrics/registry.hpp"

namespace cutover::http {

struct LocalReply {
  unsigned status = 500;
  std::string_view error;    // e.g. "no_route"
  std::string message;       // e.g. "no route matches GET /x"
  // A route's own `return:` body, sent instead of the JSON (views into the config snapshot).
  std::string_view body = {};
  std::string_view content_type = {};
};

// The status each reason is answered with (route_return's is the route's own; 403 stands in).
constexpr unsigned status_of(metrics::LocalReason reason) {
  using metrics::LocalReason;
  switch (reason) {
    case LocalReason::header_too_large: return 431;
    case LocalReason::body_too_large: return 413;
    case LocalReason::client_timeout: return 408;
    case LocalReason::body_too_slow: return 408;
    case LocalReason::no_route: return 404;
    case LocalReason::unauthorized: return 401;
    case LocalReason::auth_unavailable: return 502;
    case LocalReason::route_return: return 403;
    default: return 400;
  }
}

// The reply for an early exit for `reason`: its status and error name, and what to fix.
inline LocalReply local_reply(metrics::LocalReason reason, std::string message) {
  return LocalReply{status_of(reason), metrics::name_of(reason), std::move(message)};
}

// Builds the response (pure): the JSON, or `body` when the reply has one. `keep_alive` false adds
// Connection: close.
boost::beast::http::response<boost::beast::http::string_body> make_local_reply(
    const LocalReply& reply, std::string_view request_id, unsigned version, bool keep_alive);

}  // namespace cutover::http
