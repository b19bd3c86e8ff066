// The request body's way up: read ahead of taking a connection when it is small (or the client
// is told to send it), then streamed to the backend while its answer is read, so an origin that
// answers before the upload ends (an echo, an early 413) never deadlocks with it.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <chrono>
#include <utility>

#include "cutover/http/upstream_supply.hpp"
#include "http/relay.hpp"
#include "http/relay_buffers.hpp"
#include "http/upstream_acquire.hpp"
#include "http/upstream_call.hpp"
#include "http/watchdog.hpp"

namespace cutover::http {
namespace {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;
using metrics::LocalReason;

// A parse error in the body (bad chunk size, a chunk line over its limit...), as opposed to the
// client hanging up.
bool is_malformed_body(const error_code& ec) {
  static const auto& http_category = make_error_code(bhttp::error::bad_chunk).category();
  if (ec == FramingError::chunk_line_too_long) return true;
  return ec.category() == http_category && ec != bhttp::error::partial_message && ec != bhttp::error::end_of_stream &&
         ec != bhttp::error::body_limit;
}

}  // namespace

void UpstreamCall::fail_early(metrics::LocalReason reason, std::string message) {
  fail(&counters_.local(reason), local_reply(reason, std::move(message)));
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

asio::awaitable<error_code> UpstreamCall::read_body_ahead(BodyPace& pace, std::size_t bytes) {
  auto& client = request_.client;
  while (client.buffer.size() < bytes) {
    const std::size_t before = client.buffer.size();
    error_code ec = co_await fill(watchdog_, client.stream(), client.buffer,
                                  time_left(watchdog_, pace.read_due(limits_.body_timeout)), kBodyReadSize);
    if (!ec || ec == boost::beast::error::timeout) {
      ec = pace.after_read(client.buffer.size() - before, watchdog_.now(), ec == boost::beast::error::timeout,
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
  error_code ec = write_now(request_.client.stream(), out);
  if (!ec && !all_sent(request_.client.stream(), out)) {
    ec = co_await write_rest(watchdog_, request_.client.stream(), out, limits_.body_timeout);
  }
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

bool UpstreamCall::use(Acquired& acquired) {
  if (!acquired.connection) {
    fail(connect_failure(acquired));
    outcome_.nothing_sent = true;
    return false;
  }
  // A client that left while its request waited for a connection: sent anyway, the request
  // would cost a backend with few connections a whole exchange that nobody reads. The
  // connection goes to the next in the queue instead.
  if (acquired.waited && peer_left(request_.client.stream())) {
    request_.supply.pool.give_back(std::move(acquired.connection), settings_.max_idle_per_endpoint, watchdog_.now());
    fail_body(boost::asio::error::connection_reset);
    return false;
  }
  connection_ = std::move(acquired.connection);
  return true;
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
  BodyPace pace(limits_.min_body_rate, watchdog_.now());
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
  request_buffer_ = request_.supply.relay_buffers.take();
  // A streamed body can't be replayed, so it only goes on a connection checked to be alive.
  const auto now = watchdog_.now();
  retries().budget.count_request(now, retries().config);
  const std::size_t start = target_.start_at(request_.supply.next_endpoint(request_.backend, target_.endpoints.size()), now);
  Acquired acquired;
  acquired.connection = take_pooled(request_.supply.pool, target_, start, true, now);
  if (!acquired.connection) {
    acquired = co_await acquire(request_.supply, target_, start, true, false, request_.supply.retry_budgets.of(request_.route),
                                route_settings().retry_budget);
  }
  if (!use(acquired)) co_return;
  sent_at_ = watchdog_.now();
  write_request_head();  // sent with the body's first bytes; given back when the exchange ends
  if (request_.expect_continue && !continue_sent) {
    // Sent before the response can be read, so the two never interleave on the client stream.
    const bool told = co_await send_continue();
    if (!told) co_return;
  }
  // The pace counts anew from here: the time the gateway spent getting a connection (a queue
  // behind max_connections_per_endpoint, a slow connect) is not the client's.
  pace = BodyPace(limits_.min_body_rate, watchdog_.now());

  RelayResult sent;
  error_code header_ec;
  RelayResult delivered;
  bool sending = true;
  bool receiving = true;
  auto send = [&]() -> asio::awaitable<void> {
    sent = co_await relay_message<true>(watchdog_, request_.client.stream(), request_.client.buffer, request_.parser,
                                        stream_of(*connection_), {limits_.body_timeout, settings_.timeout, &pace},
                                        request_buffer_.get(), request_.client.upstream_head, request_.parser.chunked(),
                                        false, request_.head.policy);
    sending = false;
    // The client failed: no answer is coming that anyone could use. Stop waiting for it.
    if (sent.ec && sent.failed == RelaySide::input) {
      error_code ignored;
      if (receiving) connection_->socket.cancel(ignored);
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
    const auto due = sending ? Clock::time_point::max() : watchdog_.now() + settings_.timeout;
    header_ec = co_await read_response_header(due);
    if (!header_ec) delivered = co_await deliver_response();
    receiving = false;
    // The exchange is over (answered early, or failed): the rest of the upload has nowhere to go.
    if (sending) {
      error_code ignored;
      connection_->socket.cancel(ignored);
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
  fail(upstream::classify_response_header(header_ec), header_ec);
}

}  // namespace cutover::http
