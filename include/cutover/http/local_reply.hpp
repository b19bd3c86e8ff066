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
  // The request could not be read as a whole, well-formed message: whatever follows on the
  // connection cannot be trusted to start the next request.
  bool closes_connection = false;
};

// Every early exit for a reason, in one table: the status it is answered with (route_return's is
// the route's own; 403 stands in) and whether the connection survives it.
struct LocalReplyRule {
  unsigned status;
  bool closes_connection;
};

constexpr LocalReplyRule rule_of(metrics::LocalReason reason) {
  using metrics::LocalReason;
  switch (reason) {
    case LocalReason::bad_request: return {400, true};
    case LocalReason::invalid_path: return {400, true};
    case LocalReason::bad_host: return {400, true};
    case LocalReason::bad_header: return {400, true};
    case LocalReason::header_too_large: return {431, true};
    case LocalReason::body_too_large: return {413, true};
    case LocalReason::client_timeout: return {408, true};
    case LocalReason::body_too_slow: return {408, true};
    case LocalReason::no_route: return {404, false};
    case LocalReason::unauthorized: return {401, false};
    case LocalReason::auth_unavailable: return {502, false};
    case LocalReason::route_return: return {403, false};
    case LocalReason::upgrade_not_allowed: return {501, false};
  }
  return {400, true};
}

constexpr unsigned status_of(metrics::LocalReason reason) { return rule_of(reason).status; }

// The reply for an early exit for `reason`: its status and error name, and what to fix.
inline LocalReply local_reply(metrics::LocalReason reason, std::string message) {
  const auto rule = rule_of(reason);
  LocalReply reply{rule.status, metrics::name_of(reason), std::move(message)};
  reply.closes_connection = rule.closes_connection;
  return reply;
}

// Whether the client's connection carries on after a local reply: not when the client or a drain
// ends it, when the reply's rule closes it, or when part of the request body is still unread (it
// would be parsed as the next request).
constexpr bool keeps_connection(const LocalReply& reply, bool client_keep_alive, bool request_read_whole, bool draining) {
  return client_keep_alive && request_read_whole && !draining && !reply.closes_connection;
}

// Builds the response (pure): the JSON, or `body` when the reply has one. `keep_alive` false adds
// Connection: close.
boost::beast::http::response<boost::beast::http::string_body> make_local_reply(
    const LocalReply& reply, std::string_view request_id, unsigned version, bool keep_alive);

}  // namespace cutover::http
