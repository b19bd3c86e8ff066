#pragma once
// The auth subrequest itself: one GET to the backend that knows sessions, carrying only the
// session cookie (nothing else the client sent can sway the answer), a request id and a Host.
// A pooled connection the backend closed under the request is replaced by a new one, once
// (auth_verdict.hpp says when that is safe); the whole lookup, retry included, has
// identity.auth_request.timeout, kept by the worker's Watchdog like every deadline of a proxied
// request (its head written by wire.hpp, its answer read by parse_io.hpp). Each failure is counted
// by cause and logged (a line per cause every few seconds per worker, with the count of those not
// logged).
#include <cstddef>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "cutover/config/config.hpp"
#include "cutover/http/upstream_supply.hpp"
#include "cutover/identity/session_cache.hpp"
#include "cutover/runtime/snapshot.hpp"

namespace cutover::http {

struct AuthSubrequest {
  std::size_t backend_index = 0;
  const runtime::Backend* backend = nullptr;
  const config::AuthRequestConfig* auth = nullptr;
  std::string host;     // Host to send; empty: the endpoint's address
  std::string session;  // the session cookie's value
  std::string request_id;
};

// Never throws; a failure is an answer of kind failed (already counted and logged).
boost::asio::awaitable<identity::SessionAnswer> ask_auth_backend(UpstreamSupply& supply, AuthSubrequest subrequest);

}  // namespace cutover::http
