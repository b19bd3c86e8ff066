#include "http/exchange.hpp"

#include <boost/beast/core/string.hpp>
#include <chrono>
#include <optional>

#include "cutover/common/clock.hpp"
#include "cutover/http/headers.hpp"
#include "cutover/http/worker.hpp"
#include "cutover/http/header_policy.hpp"
#include "cutover/http/upgrade.hpp"
#include "cutover/identity/credentials.hpp"
#include "cutover/identity/user_id.hpp"
#include "cutover/routing/fallback.hpp"
#include "http/identity_step.hpp"
#include "http/parse_io.hpp"
#include "http/request_checks.hpp"
#include "http/upstream_call.hpp"
#include "http/wire.hpp"
#include "http/watchdog.hpp"

namespace cutover::http {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using metrics::LocalReason;

double ms_between(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}

// A reply the gateway wrote itself; false when the client could not take it.
// `header_only` for a HEAD request: the length the body would have, but not the body.
asio::awaitable<bool> write_local_reply(Worker& worker, ClientConnection& client,
                                        const bhttp::response<bhttp::string_body>& response,
                                        std::chrono::milliseconds timeout, bool header_only = false) {
  worker.head_strings().lend(client.head);
  client.head.clear();
  append_head(client.head, response.base());
  Outgoing out;
  out.add(client.head);
  if (!header_only) out.add(response.body());
  auto ec = write_now(client.stream(), out);
  if (!ec && !all_sent(client.stream(), out)) ec = co_await write_rest(worker.watchdog(), client.stream(), out, timeout);
  co_return !ec;
}

std::string sticky_cookie_header(std::string_view name, std::string_view id) {
  std::string value(name);
  value += '=';
  value += id;
  value += "; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax";
  return value;
}

class Exchange {
 public:
  Exchange(Worker& worker, ClientConnection& client, RequestParser& parser)
      : worker_(worker), client_(client), parser_(parser), snapshot_(*client.snapshot) {}
  Exchange(const Exchange&) = delete;  // request_id_ may point into the object itself
  Exchange& operator=(const Exchange&) = delete;

  // run_exchange sequences these (one coroutine frame fewer than a run() member would cost).
  asio::awaitable<bool> phases();
  bool has_reply() const { return reply_.has_value(); }
  asio::awaitable<bool> send_reply();
  // The reply refused a request whose rest may still be coming: linger before closing.
  bool lingers() const { return lingers_; }
  // `ended`: the response is written. The duration runs from the request's first bytes
  // (nginx's $request_time), both ends clock readings the session takes anyway.
  void finish(Clock::time_point ended) {
    const double duration_ms = ms_between(client_.request_started, ended);
    log(duration_ms);
    record_metrics(duration_ms, ended);
  }

 private:
  // The steps that never wait. false: an early exit, its reply recorded.
  bool admit();                          // request id, target, framing and body limit; the route
  bool authorize(Identity identity);     // the user, when the route requires one
  UpstreamRequest upstream_request();    // the backend picked, the request head rewritten for it
  // Early exits record their reply here and return; run_exchange sends it. (Building replies
  // outside co_await expressions also keeps clear of GCC 12 destroying such temporaries twice.)
  bool early(Counters::Counter* counter, LocalReply local);
  bool early(LocalReason reason, std::string message);
  std::uint32_t choose_bucket(std::string& new_cookie);
  // The route's fallback in place of `picked` when that has no usable endpoint (routing/fallback.hpp).
  std::uint16_t serving_backend(std::uint16_t picked);
  // True when the request is to go once more, to the route's fallback: no endpoint of the picked
  // backend took a connection, so nothing was sent, and a request without a body can go again
  // as it is. A dying service costs its users nothing even before it is ejected.
  bool fall_back_after_connect_failure(bool has_body);
  void log(double duration_ms);
  void record_metrics(double duration_ms, Clock::time_point ended);

  Worker& worker_;
  ClientConnection& client_;
  RequestParser& parser_;
  const runtime::Snapshot& snapshot_;  // the request's (ClientConnection::snapshot)
  unsigned client_version_ = 11;
  bool client_keep_alive_ = false;
  // The client's own X-Request-Id (in the connection's arena, with the request) or one made here:
  // no allocation either way.
  std::string_view request_id_;
  char generated_id_[32];
  std::string method_;
  std::string path_;  // as received, for the log
  std::string upstream_target_;  // the normalized path the route matched, and the query
  const routing::Route* route_ = nullptr;
  int backend_ = -1;  // the backend picked, once it is
  std::uint32_t metrics_cell_ = metrics::MetricsLayout::kNoCell;  // of (route, backend_)
  std::string user_;
  std::string_view identity_problem_;  // why presented credentials were refused, for the log
  std::string_view url_host_;          // an absolute URL's authority, when the request had no Host
  HeaderPolicy header_policy_;         // what the client's headers pass on this route
  UpstreamOutcome outcome_;
  unsigned status_ = 0;
  std::string_view error_;
  std::optional<LocalReply> reply_;
  bool lingers_ = false;
  std::int16_t fallback_from_ = -1;  // the backend picked, when the route's fallback serves instead
};

// The phases that wait stay here; the rest are plain functions, whose locals live on the stack
// rather than in this coroutine's frame. GCC keeps every local of a coroutine in its frame, and a
// frame over 1,020 bytes is never recycled by Asio (thread_info_base keeps sizes in one byte of
// 4-byte chunks): it would come from malloc, and go back to it, on every request.
asio::awaitable<bool> Exchange::phases() {
  if (!admit()) co_return false;
  std::optional<Identity> identity = identify_now(worker_.tokens(), snapshot_, parser_.get());
  if (!identity) {
    identity = co_await look_up_session(worker_.upstream(), worker_.sessions(), snapshot_, parser_.get(), request_id_);
  }
  if (!authorize(std::move(*identity))) co_return false;
  for (;;) {
    UpstreamCall call(upstream_request(), outcome_);
    if (call.upgrades()) {
      co_await call.run_upgrade();
    } else if (call.has_body()) {
      co_await call.run_with_body();
    } else {
      co_await call.run_without_body();
    }
    if (!fall_back_after_connect_failure(call.has_body())) break;
  }
  status_ = outcome_.status;
  error_ = outcome_.error;
  if (outcome_.local_reply) co_return early(outcome_.counter, std::move(*outcome_.local_reply));
  co_return outcome_.keep_alive;
}

bool Exchange::admit() {
  auto& request = parser_.get();
  const auto& config = snapshot_.config;
  client_version_ = request.version();
  client_keep_alive_ = parser_.keep_alive();
  method_ = request.method_string();
  std::string_view incoming_id = request["X-Request-Id"];
  if (valid_request_id(incoming_id)) {
    request_id_ = incoming_id;
  } else {
    worker_.random().hex128(generated_id_);
    request_id_ = std::string_view(generated_id_, sizeof generated_id_);
  }
  std::string_view target = request.target();
  path_ = target.substr(0, std::min(target.find('?'), target.size()));

  AdmittedTarget admitted;
  if (auto refusal = admit_request(request, config, admitted)) return early(refusal->reason, std::move(refusal->message));
  if (request.count(bhttp::field::host) == 0) url_host_ = admitted.host;
  std::uint64_t max_body = config.limits.max_body_bytes;
  if (auto length = parser_.content_length(); max_body != 0 && length && *length > max_body) {
    return early(LocalReason::body_too_large, "the request body is larger than " + std::to_string(max_body) + " bytes");
  }
  if (max_body != 0) parser_.body_limit(max_body);
  else parser_.body_limit(boost::none);

  const std::string& match_path = admitted.match_path.empty() ? admitted.path : admitted.match_path;
  route_ = snapshot_.routes->match({request.method_string(), admitted.host, match_path});
  if (!route_) return early(LocalReason::no_route, "no route matches " + method_ + " " + admitted.path);
  // What the backend gets is exactly what was matched (plus the untouched query string).
  upstream_target_ = std::move(admitted.path);
  upstream_target_ += admitted.query;
  if (parser_.upgrade()) {
    const auto upgrade = judge_upgrade(upgrade_ask(parser_), config.routes[route_->index].upgrades);
    if (upgrade.verdict == UpgradeVerdict::refuse_protocol) {
      return early(LocalReason::upgrade_not_allowed,
                   "this path does not switch protocols to '" + std::string(upgrade.protocol) + "'");
    }
    if (upgrade.verdict == UpgradeVerdict::refuse_body) {
      return early(LocalReason::upgrade_not_allowed, "a request that switches protocols carries no body");
    }
  }
  if (const auto& answer = config.routes[route_->index].answer; answer.enabled) {
    // The route's id stays out of what the client reads: the access log has it.
    LocalReply reply = local_reply(LocalReason::route_return, "this path is answered by the gateway itself");
    reply.status = answer.status;
    reply.body = answer.body;
    reply.content_type = answer.content_type;
    return early(&worker_.counters().local(LocalReason::route_return), std::move(reply));
  }
  return true;
}

bool Exchange::authorize(Identity identity) {
  const auto& config = snapshot_.config.identity;
  if (identity.lookup_failed) {
    return early(LocalReason::auth_unavailable, "could not establish who the user is: the session lookup failed");
  }
  if (!identity.user.empty()) {
    if (auto problem = identity::user_id_problem(identity.user, config.allow_utf8); !problem.empty()) {
      identity.user.clear();
      identity.problem = problem;
    }
  }
  user_ = std::move(identity.user);
  identity_problem_ = identity.problem;
  if (route_->require_user && user_.empty()) {
    std::string why = identity.problem.empty() ? "route '" + route_->id + "' requires a signed-in user"
                                               : "invalid credentials: " + std::string(identity.problem);
    return early(LocalReason::unauthorized, std::move(why));
  }
  return true;
}

UpstreamRequest Exchange::upstream_request() {
  const auto& config = snapshot_.config;
  auto& request = parser_.get();
  std::string new_cookie;
  // The snapshot's plan, not the route's: admin overrides live there.
  const routing::SplitPlan& plan = snapshot_.plans[route_->index];
  std::uint16_t backend = 0;
  if (fallback_from_ >= 0) {
    backend = static_cast<std::uint16_t>(route_->fallback);  // the pick failed to connect: fall_back_after_connect_failure
  } else {
    backend = routing::splits(plan) ? routing::pick(plan, choose_bucket(new_cookie)) : plan.rollback_to;
    if (route_->fallback >= 0) backend = serving_backend(backend);
  }
  backend_ = backend;
  metrics_cell_ = snapshot_.metrics_layout->cell(route_->index, backend);

  // Nothing the client sent in the gateway's own headers survives, on any path (invariant 2):
  // the head the backend gets is rebuilt from the parsed one (append_upstream_request_head).
  UpstreamRequestHead rewrite;
  rewrite.target = upstream_target_;
  rewrite.request_id = request_id_;
  rewrite.user = user_;
  if (auto length = parser_.content_length()) rewrite.content_length = *length;
  // An HTTP/1.0 request may come without Host; HTTP/1.1, which the backend gets, may not. Its
  // URL's authority when it had one (RFC 9112 3.2.2), else the backend's own name.
  rewrite.host_if_missing = url_host_;
  if (const auto& endpoints = config.backends[backend].endpoints; url_host_.empty() && !endpoints.empty()) {
    rewrite.host_if_missing = endpoints.front().host;
  }
  header_policy_ = header_policy(config, config.routes[route_->index].allowed_overrides);
  rewrite.policy = &header_policy_;
  rewrite.forwarded = {client_.peer_address, client_.tls ? "https" : "http"};

  return UpstreamRequest{worker_.upstream(), snapshot_, client_, parser_, rewrite, backend,
                         boost::beast::iequals(request[bhttp::field::expect], "100-continue"),
                         client_keep_alive_ && !worker_.draining(), client_version_,
                         static_cast<std::uint32_t>(config.routes[route_->index].request_buffer.value_or(config.limits.request_buffer)),
                         static_cast<std::uint32_t>(route_->index),
                         new_cookie.empty() ? std::string{} : sticky_cookie_header(config.identity.sticky_cookie, new_cookie)};
}

std::uint16_t Exchange::serving_backend(std::uint16_t picked) {
  const auto now = worker_.watchdog().now();
  const auto& backends = snapshot_.backends;
  const auto fallback = static_cast<std::size_t>(route_->fallback);
  const auto serving = routing::serving_backend(picked, route_->fallback, backends[picked].health->any_usable(now),
                                                backends[fallback].health->any_usable(now));
  if (serving.fell_back) fallback_from_ = static_cast<std::int16_t>(picked);
  return serving.backend;
}

bool Exchange::fall_back_after_connect_failure(bool has_body) {
  if (!outcome_.nothing_sent || route_->fallback < 0) return false;  // the usual case reads no clock
  const routing::ConnectFailure failure{true, has_body, fallback_from_ >= 0, static_cast<std::uint16_t>(backend_)};
  const bool usable =
      snapshot_.backends[static_cast<std::size_t>(route_->fallback)].health->any_usable(worker_.watchdog().now());
  if (!routing::falls_back_after(failure, route_->fallback, usable)) return false;
  fallback_from_ = static_cast<std::int16_t>(backend_);
  return true;
}

std::uint32_t Exchange::choose_bucket(std::string& new_cookie) {
  const auto& identity = snapshot_.config.identity;
  switch (route_->sticky) {
    case config::Sticky::none:
      return static_cast<std::uint32_t>(worker_.random().next() % routing::kBucketCount);
    case config::Sticky::user:
      if (!user_.empty()) return routing::bucket_of(route_->cohort, user_);
      [[fallthrough]];
    case config::Sticky::cookie:
      break;
  }
  std::string_view id = identity::find_cookie(parser_.get()[bhttp::field::cookie], identity.sticky_cookie);
  if (!identity::valid_sticky_id(id)) {
    new_cookie = worker_.random().hex128();
    id = new_cookie;
  }
  return routing::bucket_of(route_->cohort, id);
}

void Exchange::record_metrics(double duration_ms, Clock::time_point ended) {
  // Per (route, backend): requests the gateway answered itself before picking (404, 401) are
  // counted by reason in the local-reply counters instead.
  if (!route_ || backend_ < 0 || status_ == 0) return;
  worker_.metrics().record_in_cell(*snapshot_.metrics_layout, metrics_cell_, static_cast<int>(status_),
                                   duration_ms, steady_seconds(ended));
  if (fallback_from_ >= 0) worker_.metrics().record_fallback(*snapshot_.metrics_layout, metrics_cell_);
}

bool Exchange::early(LocalReason reason, std::string message) {
  return early(&worker_.counters().local(reason), local_reply(reason, std::move(message)));
}

bool Exchange::early(Counters::Counter* counter, LocalReply local) {
  Counters::bump(counter);
  status_ = local.status;
  error_ = local.error;
  reply_ = std::move(local);
  return false;
}

asio::awaitable<bool> Exchange::send_reply() {
  const bool keep_alive = keeps_connection(*reply_, client_keep_alive_, parser_.is_done(), worker_.draining());
  auto response = make_local_reply(*reply_, request_id_, client_version_ >= 11 ? 11 : 10, keep_alive);
  const bool header_only = parser_.get().method() == bhttp::verb::head;
  bool written =
      co_await write_local_reply(worker_, client_, response, snapshot_.config.limits.body_timeout, header_only);
  lingers_ = written && !keep_alive && !parser_.is_done();
  co_return keep_alive && written;
}

void Exchange::log(double duration_ms) {
  auto& access_log = worker_.access_log();
  if (!access_log.enabled()) return;
  log::AccessRecord record;
  record.time_unix_ms = unix_ms();
  record.request_id = request_id_;
  record.route = route_ ? std::string_view(route_->id) : std::string_view{};
  record.backend = outcome_.backend;
  record.user = user_;
  record.method = method_;
  record.path = path_;
  record.client = client_.peer_address;
  record.status = status_;
  record.duration_ms = duration_ms;
  record.upstream_ms = outcome_.upstream_ms;
  record.bytes_in = outcome_.bytes_in;
  record.bytes_out = outcome_.bytes_out;
  record.error = error_;
  record.credentials_refused = identity_problem_;
  if (fallback_from_ >= 0) record.fallback_from = snapshot_.backends[static_cast<std::size_t>(fallback_from_)].name;
  access_log.write(record);
}

}  // namespace

asio::awaitable<bool> run_exchange(Worker& worker, ClientConnection& client, RequestParser& parser) {
  Exchange exchange(worker, client, parser);
  Counters::bump(worker.counters().requests);
  bool keep_alive = co_await exchange.phases();
  if (exchange.has_reply()) keep_alive = co_await exchange.send_reply();
  client.answered_at = worker.watchdog().now();  // the idle timeout runs from here too (session.cpp)
  exchange.finish(client.answered_at);
  // After the duration is taken: the client got its answer when it was written.
  if (exchange.lingers()) co_await linger_before_close(worker, client);
  co_return keep_alive;
}

asio::awaitable<void> reply_and_close(Worker& worker, ClientConnection& client, const LocalReply& reply) {
  std::string request_id = worker.random().hex128();
  auto response = make_local_reply(reply, request_id, 11, false);
  co_await write_local_reply(worker, client, response, std::chrono::seconds(5));
  log_without_exchange(worker, client, request_id, reply.status, reply.error);
}

void log_without_exchange(Worker& worker, const ClientConnection& client, std::string_view request_id,
                          unsigned status, std::string_view error) {
  if (!worker.access_log().enabled()) return;
  log::AccessRecord record;
  record.time_unix_ms = unix_ms();
  record.request_id = request_id;
  record.client = client.peer_address;
  record.status = status;
  record.error = error;
  record.duration_ms = ms_between(client.request_started, worker.watchdog().now());
  worker.access_log().write(record);
}

}  // namespace cutover::http
