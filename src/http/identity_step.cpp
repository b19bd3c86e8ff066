#include "http/identity_step.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>

#include "cutover/common/clock.hpp"
#include "cutover/http/worker.hpp"
#include "cutover/identity/credentials.hpp"
#include "cutover/identity/jwt.hpp"

namespace cutover::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;


// One GET to the auth backend with only the session cookie: the client's other headers are not
// sent, so nothing the client forged can influence the answer.
asio::awaitable<identity::SessionAnswer> ask_auth_backend(Worker& worker, std::size_t backend_index,
                                                          const runtime::Backend& backend,
                                                          const config::AuthRequestConfig& auth,
                                                          std::string session, std::string request_id) {
  using Answer = identity::SessionAnswer;
  if (backend.endpoints.empty()) co_return Answer{};
  auto now = std::chrono::steady_clock::now();
  const auto& endpoint = backend.endpoints[worker.next_endpoint(backend_index, backend.endpoints.size())];
  auto connection = worker.pool().take_idle(endpoint, now, backend.config->idle_timeout, false);
  boost::system::error_code ec;
  if (!connection) connection = co_await worker.pool().connect(endpoint, std::min(auth.timeout, backend.config->connect_timeout), ec);
  if (!connection) co_return Answer{};

  bhttp::request<bhttp::empty_body> request{bhttp::verb::get, auth.path, 11};
  request.set(bhttp::field::host, endpoint.address().to_string() + ":" + std::to_string(endpoint.port()));
  request.set(bhttp::field::cookie, auth.cookie + "=" + session);
  request.set("X-Request-Id", request_id);
  connection->stream.expires_after(auth.timeout);
  if (auto [write_ec, n] = co_await bhttp::async_write(connection->stream, request, asio::as_tuple(asio::deferred)); write_ec) {
    co_return Answer{};
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024);
  auto [read_ec, n] = co_await bhttp::async_read(connection->stream, connection->buffer, parser, asio::as_tuple(asio::deferred));
  if (read_ec) co_return Answer{};
  auto& response = parser.get();
  Answer answer;
  unsigned status = response.result_int();
  auto user = response[auth.user_header];
  if (status >= 200 && status < 300 && !user.empty()) {
    answer = {Answer::Kind::user, std::string(user)};
  } else if (status == 401 || status == 403 || (status >= 200 && status < 300)) {
    answer.kind = Answer::Kind::anonymous;
  }
  if (response.keep_alive()) {
    worker.pool().give_back(std::move(connection), backend.config->max_idle_per_endpoint, std::chrono::steady_clock::now());
  }
  co_return answer;
}

}  // namespace

std::optional<Identity> identify_now(Worker& worker, const runtime::Snapshot& snapshot, const ParsedFields& request) {
  Identity result;
  const auto& config = snapshot.config.identity;
  if (config.jwt.enabled) {
    std::string_view token = identity::bearer_token(request[config.jwt.header]);
    if (token.empty() && !config.jwt.cookie.empty()) {
      token = identity::find_cookie(request[bhttp::field::cookie], config.jwt.cookie);
    }
    if (!token.empty()) {
      std::int64_t now = unix_seconds();
      if (const std::string* cached = worker.tokens().find(token, now)) {
        result.user = *cached;
        return result;
      }
      auto verified = identity::verify_jwt(token, snapshot.jwt_keys, snapshot.jwt_policy, now);
      if (verified.error == identity::JwtError::none) {
        worker.tokens().insert(token, verified.user, verified.expires_at, now);
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

asio::awaitable<Identity> look_up_session(Worker& worker, const runtime::Snapshot& snapshot,
                                          const ParsedFields& request, std::string_view request_id) {
  Identity result;
  const auto& auth = snapshot.config.identity.auth_request;
  std::string_view session = identity::find_cookie(request[bhttp::field::cookie], auth.cookie);
  if (session.empty() || snapshot.auth_backend < 0) co_return result;
  auto backend_index = static_cast<std::size_t>(snapshot.auth_backend);
  const auto& backend = snapshot.backends[backend_index];
  auto lookup = worker.sessions_handle();  // kept alive across a reload that replaces the cache
  std::string id(request_id);
  // A named function object: GCC 12 destroys temporaries inside co_await expressions twice.
  const identity::SessionLookup::Fetch fetch = [&worker, backend_index, &backend, &auth, id](std::string s) {
    return ask_auth_backend(worker, backend_index, backend, auth, std::move(s), id);
  };
  auto answer = co_await lookup->lookup(session, std::chrono::steady_clock::now(), fetch);
  using Kind = identity::SessionAnswer::Kind;
  if (answer.kind == Kind::user) result.user = std::move(answer.user);
  else if (answer.kind == Kind::failed) result.lookup_failed = true;
  co_return result;
}

}  // namespace cutover::http
