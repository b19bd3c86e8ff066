#include "http/auth_subrequest.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <spdlog/spdlog.h>

#include "http/auth_verdict.hpp"
#include "http/parse_io.hpp"
#include "http/upstream_acquire.hpp"
#include "http/watchdog.hpp"
#include "http/wire.hpp"

namespace cutover::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;
using Answer = identity::SessionAnswer;

constexpr std::size_t kAnswerBodyLimit = 64 * 1024;  // a whoami answer is a header; the body is ignored

// How one attempt ended: an answer, or a failure with what the log needs to say about it.
struct Attempt {
  std::optional<AnswerVerdict> verdict;  // the whole answer arrived
  unsigned status = 0;                   // its status
  AttemptFailure failure;
  error_code ec;
};

// The answer, whole, by `due`: through the proxy's own reads and deadlines (parse_io.hpp).
asio::awaitable<error_code> read_whole(Watchdog& watchdog, Stream stream, ReadBuffer& buffer,
                                       bhttp::response_parser<bhttp::string_body>& parser, Clock::time_point due) {
  error_code ec;
  for (;;) {
    parse_buffered(parser, buffer, ParseGoal::progress, ec);
    if (ec || parser.is_done()) co_return ec;
    ec = co_await fill(watchdog, stream, buffer, time_left(watchdog, due));
    if (ec == asio::error::eof) ec = parse_eof(parser);
    if (ec) co_return ec;
  }
}

// One attempt on one connection: pooled (checked alive first) unless `fresh_only`, else new.
asio::awaitable<Attempt> ask_once(UpstreamSupply& supply, const AuthSubrequest& sub, const asio::ip::tcp::endpoint& endpoint,
                                  const bhttp::request<bhttp::empty_body>& request, Clock::time_point deadline,
                                  bool fresh_only) {
  Attempt attempt;
  const auto& settings = *sub.backend->config;
  std::unique_ptr<upstream::Connection> connection;
  if (!fresh_only) connection = take_idle(supply.pool, *sub.backend, endpoint, supply.watchdog.now(), true);
  if (!connection) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - supply.watchdog.now());
    if (left.count() <= 0) {
      attempt.ec = asio::error::timed_out;
      attempt.failure = classify_failure(AuthStage::connect, attempt.ec, false, false);
      co_return attempt;
    }
    connection = co_await connect(supply, *sub.backend, sub.backend->index_of(endpoint), std::min(left, settings.connect_timeout),
                                  attempt.ec);
    if (!connection) {
      Counters::bump(supply.counters.upstream_connect_failures);
      attempt.failure = classify_failure(AuthStage::connect, attempt.ec, false, false);
      co_return attempt;
    }
  }
  const bool reused = connection->reused;
  const Stream stream = stream_of(*connection);
  std::string head;
  append_head(head, request);
  Outgoing out;
  out.add(head);
  attempt.ec = write_now(stream, out);
  if (!attempt.ec && !all_sent(stream, out)) {
    attempt.ec = co_await write_rest(supply.watchdog, stream, out, time_left(supply.watchdog, deadline));
  }
  if (attempt.ec) {
    attempt.failure = classify_failure(AuthStage::send, attempt.ec, reused, false);
    co_return attempt;
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kAnswerBodyLimit);
  attempt.ec = co_await read_whole(supply.watchdog, stream, connection->buffer, parser, deadline);
  if (attempt.ec) {
    attempt.failure = classify_failure(AuthStage::receive, attempt.ec, reused, parser.got_some());
    co_return attempt;
  }
  const auto& response = parser.get();
  attempt.status = response.result_int();
  attempt.verdict = judge_answer(attempt.status, response[sub.auth->user_header]);
  if (response.keep_alive()) {
    supply.pool.give_back(std::move(connection), settings.max_idle_per_endpoint, supply.watchdog.now());
  }
  co_return attempt;
}

void report_failure(UpstreamSupply& supply, const AuthSubrequest& sub, const asio::ip::tcp::endpoint* endpoint,
                    LookupFailure cause, const error_code& ec, unsigned status) {
  Counters::bump(supply.counters.lookup_failure(cause));
  const auto held_back = supply.lookup_failure_log.admit(static_cast<std::size_t>(cause), supply.watchdog.now());
  if (!held_back) return;
  const std::string where = endpoint ? endpoint->address().to_string() + ":" + std::to_string(endpoint->port())
                                     : std::string("no endpoint");
  const auto period = std::chrono::duration_cast<std::chrono::seconds>(supply.lookup_failure_log.period()).count();
  std::string more;
  if (*held_back > 0) more = "; " + std::to_string(*held_back) + " more not logged in the last " + std::to_string(period) + "s";
  spdlog::warn("session lookup failed, cause={}: backend '{}' ({}) {}{}", metrics::name_of(cause), sub.backend->name,
               where, describe_failure(cause, ec, status, sub.auth->user_header, sub.auth->timeout), more);
}

}  // namespace

asio::awaitable<Answer> ask_auth_backend(UpstreamSupply& supply, AuthSubrequest sub) {
  const auto deadline = supply.watchdog.now() + sub.auth->timeout;
  const auto& endpoints = sub.backend->endpoints;
  if (endpoints.empty()) {
    report_failure(supply, sub, nullptr, LookupFailure::refused, asio::error::host_not_found, 0);
    co_return Answer{};
  }
  const auto& endpoint = endpoints[supply.next_endpoint(sub.backend_index, endpoints.size())];

  bhttp::request<bhttp::empty_body> request{bhttp::verb::get, sub.auth->path, 11};
  if (sub.host.empty()) sub.host = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  request.set(bhttp::field::host, sub.host);
  request.set(bhttp::field::cookie, sub.auth->cookie + "=" + sub.session);
  request.set("X-Request-Id", sub.request_id);

  for (bool fresh_only = false;; fresh_only = true) {
    Attempt attempt = co_await ask_once(supply, sub, endpoint, request, deadline, fresh_only);
    if (attempt.verdict && !attempt.verdict->failure) co_return attempt.verdict->answer;
    if (attempt.verdict) {
      report_failure(supply, sub, &endpoint, *attempt.verdict->failure, {}, attempt.status);
      co_return Answer{};
    }
    if (attempt.failure.retryable && !fresh_only) {
      Counters::bump(supply.counters.upstream_retries);
      continue;
    }
    report_failure(supply, sub, &endpoint, attempt.failure.cause, attempt.ec, 0);
    co_return Answer{};
  }
}

}  // namespace cutover::http
