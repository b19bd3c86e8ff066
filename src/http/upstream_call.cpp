#include "http/upstream_call.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <chrono>
#include <memory>
#include <utility>

#include "cutover/common/clock.hpp"
#include "cutover/http/headers.hpp"
#include "cutover/identity/signature.hpp"
#include "cutover/identity/user_id.hpp"
#include "http/relay_buffers.hpp"
#include "cutover/http/worker.hpp"
#include "http/upstream_acquire.hpp"
#include "http/relay.hpp"
#include "http/watchdog.hpp"

namespace cutover::http {
namespace {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;
using metrics::LocalReason;

bool is_connection_lost(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe;
}

// A parse error in the body (bad chunk size, a chunk line over its limit...), as opposed to the
// client hanging up.
bool is_malformed_body(const error_code& ec) {
  static const auto& http_category = make_error_code(bhttp::error::bad_chunk).category();
  if (ec == FramingError::chunk_line_too_long) return true;
  return ec.category() == http_category && ec != bhttp::error::partial_message && ec != bhttp::error::end_of_stream &&
         ec != bhttp::error::body_limit;
}

}  // namespace

UpstreamCall::UpstreamCall(UpstreamRequest request, UpstreamOutcome& outcome)
    : request_(std::move(request)),
      target_(request_.snapshot.backends[request_.backend]),
      settings_(*target_.config),
      limits_(request_.snapshot.config.limits),
      counters_(request_.worker.counters()),
      watchdog_(request_.worker.watchdog()),
      outcome_(outcome) {
  outcome_ = UpstreamOutcome{};
  outcome_.backend = target_.name;
}

void UpstreamCall::fail(Counters::Counter& counter, unsigned status, std::string_view error, std::string message) {
  outcome_.status = status;
  outcome_.error = error;
  outcome_.counter = &counter;
  outcome_.local_reply = LocalReply{status, error, std::move(message)};
  outcome_.keep_alive = false;
}

void UpstreamCall::fail_early(metrics::LocalReason reason, std::string message) {
  LocalReply reply = local_reply(reason, std::move(message));
  fail(counters_.local(reason), reply.status, reply.error, std::move(reply.message));
}

bool UpstreamCall::fail_for_client(const error_code& ec) {
  if (ec == bhttp::error::body_limit) {
    fail_early(LocalReason::body_too_large, "the request body is larger than " + std::to_string(limits_.max_body_bytes) + " bytes");
  } else if (ec == boost::beast::error::timeout) {
    fail_early(LocalReason::client_timeout, "the request body stalled for longer than the body timeout");
  } else if (ec == PaceError::too_slow) {
    fail_early(LocalReason::body_too_slow, "the request body came slower than " + std::to_string(limits_.min_body_rate) +
                                               " bytes/s over " + std::to_string(kPaceWindow.count()) +
                                               " s (limits.min_body_rate)");
  } else if (ec == bhttp::error::header_limit) {
    fail_early(LocalReason::header_too_large,
               "the request's trailer section is larger than " + std::to_string(limits_.max_header_bytes) + " bytes");
  } else if (is_malformed_body(ec)) {
    fail_early(LocalReason::bad_request, "malformed request body: " + ec.message());
  } else {
    return false;
  }
  return true;
}

void UpstreamCall::fail_connect(bool timed_out, bool queue_timed_out) {
  if (queue_timed_out) {
    return fail(counters_.upstream_queue_timeouts, 503, "upstream_busy",
                "backend '" + target_.name + "' had all " + std::to_string(settings_.max_connections_per_endpoint) +
                    " connections per endpoint in use for " + std::to_string(settings_.queue_timeout.count()) +
                    "ms (max_connections_per_endpoint, queue_timeout)");
  }
  if (timed_out) {
    return fail(counters_.upstream_timeouts, 504, "upstream_timeout", "backend '" + target_.name + "' did not accept a connection in time");
  }
  fail(counters_.upstream_connect_failures, 502, "upstream_unavailable", "backend '" + target_.name + "' is unavailable (connection refused)");
}

void UpstreamCall::fail_header(const error_code& ec) {
  if (ec == boost::beast::error::timeout) {
    return fail(counters_.upstream_timeouts, 504, "upstream_timeout",
                "backend '" + target_.name + "' did not answer within " + std::to_string(settings_.timeout.count()) + "ms");
  }
  fail(counters_.upstream_errors, 502, "upstream_unavailable",
       is_connection_lost(ec) ? "backend '" + target_.name + "' closed the connection without answering"
                              : "backend '" + target_.name + "' sent an invalid response: " + ec.message());
}

// The whole header, interim answers included, by `due`: the backend's timeout after the request
// went. A request body's header read starts with none, and start_header_clock() gives it one.
asio::awaitable<error_code> UpstreamCall::read_response_header(Clock::time_point due) {
  auto& socket = connection_->stream.socket();
  error_code ec;
  do {  // interim 1xx answers (103 Early Hints...) are not relayed
    response_.reset();
    response_.emplace(request_.client.arena);
    response_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    response_->body_limit(boost::none);
    if (request_.parser.get().method() == bhttp::verb::head) response_->skip(true);
    while (!parse_buffered(*response_, connection_->buffer, ParseGoal::header, ec)) {
      ec = read_arrived(socket, connection_->buffer);
      if (ec == asio::error::would_block) {
        awaiting_header_ = true;
        EventRead read(watchdog_, socket, connection_->buffer, due);
        auto [read_ec, n] = co_await read.start();
        awaiting_header_ = false;
        ec = read.finish(read_ec, n);
        if (ec == asio::error::operation_aborted && std::exchange(rearm_header_read_, false)) {
          ec = {};
          due = Clock::now() + settings_.timeout;
        }
      }
      if (ec == asio::error::eof) ec = parse_eof(*response_);
      if (ec) break;
    }
  } while (!ec && response_->get().result_int() / 100 == 1 && response_->get().result_int() != 101);
  // No request is sent asking to upgrade: a 101 would turn the connection into something else.
  if (!ec && response_->get().result_int() == 101) ec = FramingError::unexpected_upgrade;
  co_return ec;
}

void UpstreamCall::start_header_clock() {
  if (!awaiting_header_) return;  // the header is here already, or its read starts with the clock
  rearm_header_read_ = true;
  error_code ignored;
  connection_->stream.socket().cancel(ignored);
}

asio::awaitable<void> UpstreamCall::run_without_body() {
  for (int attempt = 0;; ++attempt) {
    const std::size_t start = request_.worker.next_endpoint(request_.backend, target_.endpoints.size());
    Acquired acquired;
    // One reading for the pool's idle check, the send time and the response deadline: microseconds
    // apart when a pooled connection takes the request at once.
    sent_at_ = Clock::now();
    if (attempt == 0) acquired.connection = take_pooled(request_.worker, target_, start, false, sent_at_);
    if (!acquired.connection) {
      // A lone endpoint at its limit queues at once, without acquire()'s frame in between.
      const bool queue_now = attempt == 0 && target_.endpoints.size() == 1 &&
                             !request_.worker.pool().has_room(target_.endpoints[0], settings_.max_connections_per_endpoint);
      // Two statements: GCC 12 miscompiled one co_await of a conditional expression choosing
      // between the two coroutines (the chosen frame ran without its awaitable thread).
      if (queue_now) {
        acquired = co_await queue_for_connection(request_.worker, target_, target_.endpoints[0]);
      } else {
        acquired = co_await acquire(request_.worker, target_, start, false, attempt > 0);
      }
      sent_at_ = Clock::now();
    }
    if (!acquired.connection) {
      fail_connect(acquired.timed_out, acquired.queue_timed_out);
      co_return;
    }
    connection_ = std::move(acquired.connection);
    // No body: the head is the whole request, and the socket almost always takes it at once.
    // Written only now, also after a wait for a connection: a string held through the wait would
    // leave the worker's spare strings to the waiting requests and send the others to malloc,
    // which hands out cold memory when thousands of requests are in flight.
    write_request_head();
    Outgoing out;
    out.add(request_.client.upstream_head);
    error_code sent = write_now(connection_->stream.socket(), out);
    auto due = sent_at_ + settings_.timeout;
    if (!sent && !out.empty()) {
      sent = co_await write_rest(watchdog_, connection_->stream.socket(), out, settings_.timeout);
      due = Clock::now() + settings_.timeout;  // the answer's time starts once the backend took it all
    }
    // Not held while the backend thinks: with thousands of requests waiting, each would keep
    // ~0.5 KiB, and the next head would be written into a string gone cold.
    request_.worker.head_strings().take_back(request_.client.upstream_head);
    // A reused connection the backend had closed fails before any answer: safe to try once more.
    bool retryable = connection_->reused && attempt == 0;
    if (sent) {
      if (retryable) {
        Counters::bump(counters_.upstream_retries);
        connection_.reset();  // closed before the retry asks for another: under a limit, it counts
        continue;
      }
      fail_header(sent);
      co_return;
    }
    error_code ec = co_await read_response_header(due);
    if (!ec) break;
    if (retryable && is_connection_lost(ec)) {
      Counters::bump(counters_.upstream_retries);
      connection_.reset();
      continue;
    }
    fail_header(ec);
    co_return;
  }
  RelayResult delivered = co_await deliver_response();
  finish_delivery(delivered);
}

asio::awaitable<error_code> UpstreamCall::read_body_ahead(BodyPace& pace, std::size_t bytes) {
  auto& client = request_.client;
  while (client.buffer.size() < bytes) {
    const std::size_t before = client.buffer.size();
    error_code ec = co_await fill(watchdog_, client.socket, client.buffer,
                                  time_left(pace.read_due(limits_.body_timeout)), kBodyReadSize);
    if (!ec || ec == boost::beast::error::timeout) {
      ec = pace.after_read(client.buffer.size() - before, Clock::now(), ec == boost::beast::error::timeout,
                           limits_.body_timeout);
    }
    if (ec == asio::error::eof) ec = parse_eof(request_.parser);
    if (ec) co_return ec;
  }
  co_return error_code{};
}

asio::awaitable<bool> UpstreamCall::send_continue() {
  Outgoing out;
  out.add("HTTP/1.1 100 Continue\r\n\r\n");
  error_code ec = write_now(request_.client.socket, out);
  if (!ec && !out.empty()) ec = co_await write_rest(watchdog_, request_.client.socket, out, limits_.body_timeout);
  if (ec) {
    Counters::bump(counters_.client_aborts);
    outcome_.error = "client_aborted";
  }
  co_return !ec;
}

void UpstreamCall::fail_body(const error_code& ec) {
  if (fail_for_client(ec)) return;
  Counters::bump(counters_.client_aborts);
  outcome_.error = "client_aborted";
}

asio::awaitable<void> UpstreamCall::run_with_body() {
  // A body up to request_buffer with a known length is read whole before a backend connection is
  // taken: a slow client then holds no connection, which a backend limited to a few
  // (max_connections_per_endpoint) would otherwise run out of. A larger body streams: its first
  // bytes come first, as a pooled connection taken sooner would sit idle meanwhile, long enough
  // for a backend's keep-alive timeout to close it under the request. An Expect: 100-continue
  // client sends nothing until told to: for a buffered body it is told at once; for a streamed
  // one once a connection is there, so that a backend that cannot be reached is answered
  // instead of 100.
  BodyPace pace(limits_.min_body_rate, Clock::now());
  const auto length = request_.parser.content_length();
  const bool buffered = length && *length <= request_.request_buffer;
  bool continue_sent = false;
  if (request_.expect_continue && buffered) {
    continue_sent = co_await send_continue();
    if (!continue_sent) co_return;
  }
  if (!request_.expect_continue || continue_sent) {
    const std::size_t ahead = buffered ? static_cast<std::size_t>(*length) : 1;
    if (error_code ec = co_await read_body_ahead(pace, ahead)) {
      fail_body(ec);
      co_return;
    }
  }
  request_buffer_ = request_.worker.relay_buffers().take();
  // A streamed body can't be replayed, so it only goes on a connection checked to be alive.
  const std::size_t start = request_.worker.next_endpoint(request_.backend, target_.endpoints.size());
  Acquired acquired;
  acquired.connection = take_pooled(request_.worker, target_, start, true, Clock::now());
  if (!acquired.connection) acquired = co_await acquire(request_.worker, target_, start, true, false);
  if (!acquired.connection) {
    fail_connect(acquired.timed_out, acquired.queue_timed_out);
    co_return;
  }
  connection_ = std::move(acquired.connection);
  sent_at_ = Clock::now();
  write_request_head();  // sent with the body's first bytes; given back when the exchange ends
  if (request_.expect_continue && !continue_sent) {
    // Sent before the response can be read, so the two never interleave on the client stream.
    const bool told = co_await send_continue();
    if (!told) co_return;
  }
  // The pace counts anew from here: the time the gateway spent getting a connection (a queue
  // behind max_connections_per_endpoint, a slow connect) is not the client's.
  pace = BodyPace(limits_.min_body_rate, Clock::now());

  RelayResult sent;
  error_code header_ec;
  RelayResult delivered;
  bool sending = true;
  bool receiving = true;
  auto send = [&]() -> asio::awaitable<void> {
    sent = co_await relay_message<true>(watchdog_, request_.client.socket, request_.client.buffer, request_.parser,
                                        connection_->stream.socket(), {limits_.body_timeout, settings_.timeout, &pace},
                                        request_buffer_.get(), request_.client.upstream_head, request_.parser.chunked(),
                                        false, request_.head.policy);
    sending = false;
    // The client failed: no answer is coming that anyone could use. Stop waiting for it.
    if (sent.ec && sent.failed == RelaySide::input) {
      error_code ignored;
      if (receiving) connection_->stream.socket().cancel(ignored);
    } else {
      start_header_clock();
    }
  };
  auto receive = [&]() -> asio::awaitable<void> {
    if (sent.ec && sent.failed == RelaySide::input) {
      // The client failed before this even started (a bad chunk in the first bytes): there is
      // nothing to cancel, and no answer worth waiting for.
      header_ec = asio::error::operation_aborted;
      receiving = false;
      co_return;
    }
    // No deadline while the body is still going up: start_header_clock() gives it one.
    const auto due = sending ? Clock::time_point::max() : Clock::now() + settings_.timeout;
    header_ec = co_await read_response_header(due);
    if (!header_ec) delivered = co_await deliver_response();
    receiving = false;
    // The exchange is over (answered early, or failed): the rest of the upload has nowhere to go.
    if (sending) {
      error_code ignored;
      connection_->stream.socket().cancel(ignored);
      request_.client.socket.cancel(ignored);
    }
  };
  co_await (send() && receive());
  outcome_.bytes_in = sent.body_bytes;

  bool client_failed = sent.ec && sent.failed == RelaySide::input && sent.ec != asio::error::operation_aborted;
  if (!header_ec) {
    finish_delivery(delivered);
    if (sent.ec) outcome_.keep_alive = false;  // the request was not read to its end
    co_return;
  }
  if (client_failed) {
    fail_body(sent.ec);
    co_return;
  }
  fail_header(header_ec);
}

void UpstreamCall::write_request_head() {
  auto& head = request_.client.upstream_head;
  request_.worker.head_strings().lend(head);
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
  append_upstream_request_head(head, request_.parser.get(), rewrite, &removed);
  // A retry writes the head again: what was removed is counted once per request.
  if (removed.any() && !removed_counted_) {
    for (std::size_t i = 0; i < removed.count.size(); ++i) {
      counters_.headers_removed[i].fetch_add(removed.count[i], std::memory_order_relaxed);
    }
  }
  removed_counted_ = true;
}

}  // namespace cutover::http
