#include "http/identity_step.hpp"

#include <chrono>

#include "cutover/common/clock.hpp"
#include "cutover/identity/credentials.hpp"
#include "cutover/identity/jwt.hpp"
#include "http/auth_subrequest.hpp"
#include "http/watchdog.hpp"

namespace cutover::http {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

std::optional<Identity> identify_now(identity::TokenCache& tokens, const runtime::Snapshot& snapshot, const ParsedFields& request) {
  Identity result;
  const auto& config = snapshot.config.identity;
  if (config.jwt.enabled) {
    std::string_view token = identity::bearer_token(request[config.jwt.header]);
    if (token.empty() && !config.jwt.cookie.empty()) {
      token = identity::find_cookie(request[bhttp::field::cookie], config.jwt.cookie);
    }
    if (!token.empty()) {
      std::int64_t now = unix_seconds();
      if (const std::string* cached = tokens.find(token, now)) {
        result.user = *cached;
        return result;
      }
      auto verified = identity::verify_jwt(token, snapshot.jwt_keys, snapshot.jwt_policy, now);
      if (verified.error == identity::JwtError::none) {
        tokens.insert(token, verified.user, verified.expires_at, now);
        result.user = std::move(verified.user);
      } else {
        result.problem = identity::to_string(verified.error);
      }
      return result;  // a token was presented: its verdict stands, no session fallback
    }
  }
  if (config.auth_request.enabled && snapshot.auth_backend >= 0 &&
      !identity::find_cookie(request[bhttp::field::cookie], config.auth_request.cookie).empty()) {
    return std::nullopt;  // a session to look up
  }
  return result;
}

asio::awaitable<Identity> look_up_session(UpstreamSupply& supply, const std::shared_ptr<identity::SessionLookup>& sessions,
                                          const runtime::Snapshot& snapshot, const ParsedFields& request,
                                          std::string_view request_id) {
  Identity result;
  const auto& auth = snapshot.config.identity.auth_request;
  std::string_view session = identity::find_cookie(request[bhttp::field::cookie], auth.cookie);
  if (session.empty() || snapshot.auth_backend < 0) co_return result;
  AuthSubrequest subrequest;
  subrequest.backend_index = static_cast<std::size_t>(snapshot.auth_backend);
  subrequest.backend = &snapshot.backends[subrequest.backend_index];
  subrequest.auth = &auth;
  // The client's Host unless the config names one. A backend may answer per Host (one session
  // store per site), so the Host is part of what is cached: an answer for one site is never
  // reused for another.
  subrequest.host = auth.host.empty() ? std::string(request[bhttp::field::host]) : auth.host;
  subrequest.session = session;
  subrequest.request_id = request_id;
  std::string key = subrequest.host;
  key += '\n';  // in neither a Host nor a cookie value
  key += session;
  std::shared_ptr<identity::SessionLookup> lookup = sessions;  // kept alive across a reload that replaces the cache
  // A named function object: GCC 12 destroys temporaries inside co_await expressions twice.
  const identity::SessionLookup::Fetch fetch = [&supply, &subrequest](std::string) {
    return ask_auth_backend(supply, subrequest);
  };
  const auto now = supply.watchdog.now();
  auto answer = co_await lookup->lookup(key, now, fetch);
  using Kind = identity::SessionAnswer::Kind;
  if (answer.stale) Counters::bump(supply.counters.auth_request_stale);
  if (answer.kind == Kind::user) result.user = std::move(answer.user);
  else if (answer.kind == Kind::failed) result.lookup_failed = true;
  co_return result;
}

}  // namespace cutover::http
