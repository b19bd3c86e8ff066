#pragma once
// Establishes who the user is for one request: a verified JWT (cached per worker), or an auth
// subrequest to the service that owns the session cookie (cached and coalesced per worker).
// The request's own identity headers were already stripped; this only reads credentials.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/fields.hpp>

#include "cutover/http/message_parser.hpp"
#include "cutover/http/upstream_supply.hpp"
#include "cutover/identity/session_lookup.hpp"
#include "cutover/identity/token_cache.hpp"
#include "cutover/runtime/snapshot.hpp"

namespace cutover::http {

struct Identity {
  std::string user;              // empty: anonymous
  std::string_view problem;      // why credentials were rejected (invalid token), for 401 and logs
  bool lookup_failed = false;    // the auth subrequest failed: the user is unknown, not anonymous
};

// What can be decided without waiting: a JWT (cached or verified here), or no credentials at all.
// nullopt: the request carries a session cookie for the auth subrequest; call look_up_session.
// Split in two so the common request costs no coroutine.
std::optional<Identity> identify_now(identity::TokenCache& tokens, const runtime::Snapshot& snapshot,
                                     const ParsedFields& request);

// The session cookie's user, from the worker's session cache or a subrequest drawing on `supply`.
boost::asio::awaitable<Identity> look_up_session(UpstreamSupply& supply,
                                                 const std::shared_ptr<identity::SessionLookup>& sessions,
                                                 const runtime::Snapshot& snapshot, const ParsedFields& request,
                                                 std::string_view request_id);

}  // namespace cutover::http
