// The upstream call's frame: the request's failures, the response header's read, and a request
// without a body from connection to answer (the body's way up is upstream_body.cpp, the answer's
// way back upstream_deliver.cpp).
#include "http/upstream_call.hpp"

#include <boost/beast/core/error.hpp>
#include <chrono>
#include <memory>
#include <utility>

#include "cutover/common/clock.hpp"
#include "cutover/http/headers.hpp"
#include "cutover/http/upstream_supply.hpp"
#include "cutover/http/upgrade.hpp"
#include "cutover/identity/signature.hpp"
#include "cutover/identity/user_id.hpp"
#include "http/relay.hpp"
#include "http/upstream_acquire.hpp"
#include "http/watchdog.hpp"

namespace cutover::http {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;
using upstream::Failure;

}  // namespace

UpstreamCall::UpstreamCall(UpstreamRequest request, UpstreamOutcome& outcome)
    : request_(std::move(request)),
      target_(request_.snapshot.backends[request_.backend]),
      settings_(*target_.config),
      limits_(request_.snapshot.config.limits),
      counters_(request_.supply.counters),
      watchdog_(request_.supply.watchdog),
      outcome_(outcome) {
  outcome_ = UpstreamOutcome{};
  outcome_.backend = target_.name;
}

void UpstreamCall::fail(Counters::Counter* counter, LocalReply reply) {
  outcome_.status = reply.status;
  outcome_.error = reply.error;
  outcome_.counter = counter;
  outcome_.local_reply = std::move(reply);
  outcome_.keep_alive = false;
}

void UpstreamCall::fail(Failure failure, const error_code& ec) {
  if (connection_ && upstream::blames_endpoint(failure)) {
    target_.health->observe(target_.index_of(connection_->endpoint), upstream::Observation::failed, watchdog_.now());
  }
  const auto reply = upstream::reply_for(failure);
  const std::string detail = failure == Failure::malformed_response ? ec.message() : std::string();
  const upstream::FailureContext context{target_.name, settings_.timeout, settings_.queue_timeout,
                                         settings_.max_connections_per_endpoint, detail};
  fail(counters_.upstream(reply.counter), LocalReply{reply.status, reply.error, upstream::failure_message(failure, context)});
}

asio::awaitable<error_code> UpstreamCall::send_rest(Outgoing& out) {
  co_return co_await write_rest(watchdog_, stream_of(*connection_), out, settings_.timeout);
}

// The whole header, interim answers included, by `due`: the backend's timeout after the request
// went. A request body's header read starts with none, and start_header_clock() gives it one.
asio::awaitable<error_code> UpstreamCall::read_response_header(Clock::time_point due) {
  error_code ec;
  do {  // interim 1xx answers (103 Early Hints...) are not relayed
    response_.reset();
    response_.emplace(request_.client.arena);
    response_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    response_->body_limit(boost::none);
    if (request_.parser.get().method() == bhttp::verb::head) response_->skip(true);
    while (!parse_buffered(*response_, connection_->buffer, ParseGoal::header, ec)) {
      ec = read_arrived(stream_of(*connection_), connection_->buffer);
      if (ec == asio::error::would_block) {
        awaiting_header_ = true;
        EventRead read(watchdog_, stream_of(*connection_), connection_->buffer, due);
        auto [read_ec, n] = co_await read.start();
        awaiting_header_ = false;
        ec = read.finish(read_ec, n);
        if (ec == asio::error::operation_aborted && std::exchange(rearm_header_read_, false)) {
          ec = {};
          due = watchdog_.now() + settings_.timeout;
        }
      }
      if (ec == asio::error::eof) ec = parse_eof(*response_);
      if (ec) break;
    }
  } while (!ec && response_->get().result_int() / 100 == 1 && response_->get().result_int() != 101);
  // A 101 to a request that did not ask to upgrade would turn the connection into something else.
  if (!ec && response_->get().result_int() == 101 && !upgrades()) ec = FramingError::unexpected_upgrade;
  co_return ec;
}

void UpstreamCall::start_header_clock() {
  if (!awaiting_header_) return;  // the header is here already, or its read starts with the clock
  rearm_header_read_ = true;
  error_code ignored;
  connection_->socket.cancel(ignored);
}

asio::awaitable<void> UpstreamCall::run_without_body() {
  std::size_t start = 0;
  for (unsigned attempt = 0;; ++attempt) {
    Acquired acquired;
    // One reading for the endpoint's health, the pool's idle check, the send time and the response
    // deadline: microseconds apart when a pooled connection takes the request at once.
    sent_at_ = watchdog_.now();
    if (attempt == 0) {
      retries().budget.count_request(sent_at_, retries().config);
      start = target_.start_at(request_.supply.next_endpoint(request_.backend, target_.endpoints.size()), sent_at_);
      // A request that must not be sent twice goes only on a pooled connection checked alive.
      acquired.connection = take_pooled(request_.supply.pool, target_, start, !idempotent(), sent_at_);
    }
    if (!acquired.connection) {
      // A lone endpoint at its limit queues at once, without acquire()'s frame in between.
      const bool queue_now = attempt == 0 && target_.endpoints.size() == 1 &&
                             !request_.supply.pool.has_room(target_.endpoints[0], settings_.max_connections_per_endpoint);
      // Two statements: GCC 12 miscompiled one co_await of a conditional expression choosing
      // between the two coroutines (the chosen frame ran without its awaitable thread).
      if (queue_now) {
        acquired = co_await queue_for_connection(request_.supply, target_, target_.endpoints[0]);
      } else {
        acquired = co_await acquire(request_.supply, target_, start, !idempotent(), attempt > 0,
                                    request_.supply.retry_budgets.of(request_.route), route_settings().retry_budget);
      }
      sent_at_ = watchdog_.now();
    }
    if (!use(acquired)) co_return;
    // No body: the head is the whole request, and the socket almost always takes it at once.
    // Written only now, also after a wait for a connection: a string held through the wait would
    // leave the worker's spare strings to the waiting requests and send the others to malloc,
    // which hands out cold memory when thousands of requests are in flight.
    write_request_head();
    Outgoing out;
    out.add(request_.client.upstream_head);
    error_code ec = write_now(stream_of(*connection_), out);
    auto due = sent_at_ + settings_.timeout;
    if (!ec && !all_sent(stream_of(*connection_), out)) {
      ec = co_await send_rest(out);
      due = watchdog_.now() + settings_.timeout;  // the answer's time starts once the backend took it all
    }
    // Not held while the backend thinks: with thousands of requests waiting, each would keep
    // ~0.5 KiB, and the next head would be written into a string gone cold.
    request_.supply.head_strings.take_back(request_.client.upstream_head);
    const bool head_sent = !ec;
    if (head_sent) {
      ec = co_await read_response_header(due);
      if (!ec) break;
    }
    const Failure failure = head_sent ? upstream::classify_response_header(ec) : upstream::classify_send(ec);
    if (upstream::decide_retry(failure, {attempt, connection_->reused, false, idempotent()}) &&
        retries().spend(request_.supply, watchdog_.now())) {
      // Another endpoint when the backend has one that is usable.
      start = target_.start_at((target_.index_of(connection_->endpoint) + 1) % target_.endpoints.size(), watchdog_.now());
      connection_.reset();  // closed before the retry asks for another: under a limit, it counts
      continue;
    }
    fail(failure, ec);
    co_return;
  }
  RelayResult delivered = co_await deliver_response();
  finish_delivery(delivered);
}

std::string_view UpstreamCall::upgrade_protocol() const {
  if (!request_.parser.upgrade()) return {};
  const auto decision = judge_upgrade(upgrade_ask(request_.parser), request_.snapshot.config.routes[request_.route].upgrades);
  return decision.verdict == UpgradeVerdict::tunnel ? decision.protocol : std::string_view{};
}

bool UpstreamCall::idempotent() const { return upstream::idempotent_method(request_.parser.get().method_string()); }

RouteRetries UpstreamCall::retries() const {
  return {request_.supply.retry_budgets.of(request_.route), route_settings().retry_budget};
}

const config::RouteConfig& UpstreamCall::route_settings() const { return request_.snapshot.config.routes[request_.route]; }

void UpstreamCall::write_request_head() {
  auto& head = request_.client.upstream_head;
  request_.supply.head_strings.lend(head);
  head.clear();
  // The user id as the header carries it (percent-encoded with identity.allow_utf8), signed as it
  // goes upstream, not before a wait for a connection: backends judge freshness by t.
  const auto& settings = request_.snapshot.config.identity;
  UpstreamRequestHead rewrite = request_.head;
  std::string encoded_user;
  if (!rewrite.user.empty() && settings.allow_utf8) {
    encoded_user = identity::percent_encode_user_id(rewrite.user);
    rewrite.user = encoded_user;
  }
  std::string signature;
  if (!rewrite.user.empty() && settings.signature.enabled) {
    signature = identity::sign_identity(request_.snapshot.signing_keys, rewrite.user, rewrite.request_id, unix_seconds());
    rewrite.signature = signature;
  }
  RemovedHeaders removed;
  append_upstream_request_head(head, request_.parser.get(), rewrite, &removed, upgrade_protocol());
  // A retry writes the head again: what was removed is counted once per request.
  if (removed.any() && !removed_counted_) {
    for (std::size_t i = 0; i < removed.count.size(); ++i) {
      counters_.headers_removed[i].fetch_add(removed.count[i], std::memory_order_relaxed);
    }
  }
  removed_counted_ = true;
}

}  // namespace cutover::http
