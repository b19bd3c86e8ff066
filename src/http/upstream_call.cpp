#include "http/upstream_call.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <chrono>
#include <memory>

#include "cutover/http/headers.hpp"
#include "http/relay_buffers.hpp"
#include "cutover/http/worker.hpp"
#include "http/queued_request.hpp"
#include "http/relay.hpp"
#include "http/watchdog.hpp"

namespace cutover::http {
namespace {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;
using metrics::LocalReason;

struct Acquired {
  std::unique_ptr<upstream::Connection> connection;
  bool timed_out = false;
  bool queue_timed_out = false;
};

// Every connection `endpoint` may have is in use (max_connections_per_endpoint): waits in its
// queue for one to be handed over by the request before, or for leave to open one, until the
// backend's queue_timeout. A coroutine of its own so that only requests that queue carry its state.
asio::awaitable<Acquired> queue_for_connection(Worker& worker, const runtime::Backend& backend,
                                               const asio::ip::tcp::endpoint& endpoint) {
  Counters::bump(worker.counters().upstream_queued);
  QueuedRequest queued(worker.pool());
  Watch deadline(worker.watchdog(), queued, Clock::now() + backend.config->queue_timeout);
  co_await queued.wait(endpoint);
  Acquired acquired;
  switch (queued.result()) {
    case upstream::Waiter::Result::handed:
      // Fresh from a complete response on this worker: alive, so no probe is needed for a body.
      acquired.connection = queued.take_connection();
      break;
    case upstream::Waiter::Result::may_connect: {
      error_code ec;
      acquired.connection = co_await worker.pool().connect(endpoint, backend.config->connect_timeout, ec, &queued);
      if (!acquired.connection) {
        Counters::bump(worker.counters().upstream_connect_failures);
        acquired.timed_out = ec == boost::beast::error::timeout;
      }
      break;
    }
    default:
      acquired.queue_timed_out = true;
      break;
  }
  co_return acquired;
}

// Round robin over the backend's endpoints; a pooled connection when one is idle, else a new one
// if the endpoint's limit allows, else the next endpoint. A failed connect moves on to the next
// endpoint: nothing was sent, so that is always safe. When every endpoint that did not fail is at
// its limit, the request queues at the first of them. `start` is the endpoint the round robin
// picked; take_pooled() already tried its pool.
asio::awaitable<Acquired> acquire(Worker& worker, const runtime::Backend& backend, std::size_t start, bool probe,
                                  bool fresh_only) {
  Acquired acquired;
  const std::size_t count = backend.endpoints.size();
  const std::size_t limit = backend.config->max_connections_per_endpoint;
  const asio::ip::tcp::endpoint* full = nullptr;
  for (std::size_t i = 0; i < count; ++i) {
    const auto& endpoint = backend.endpoints[(start + i) % count];
    if (!fresh_only) {
      acquired.connection = worker.pool().take_idle(endpoint, Clock::now(), backend.config->idle_timeout, probe);
      if (acquired.connection) co_return acquired;
    }
    if (!worker.pool().has_room(endpoint, limit)) {
      if (!full) full = &endpoint;
      continue;
    }
    error_code ec;
    acquired.connection = co_await worker.pool().connect(endpoint, backend.config->connect_timeout, ec);
    if (acquired.connection) co_return acquired;
    Counters::bump(worker.counters().upstream_connect_failures);
    acquired.timed_out = acquired.timed_out || ec == boost::beast::error::timeout;
  }
  if (full) co_return co_await queue_for_connection(worker, backend, *full);
  co_return acquired;
}

// The usual case, without a coroutine: the picked endpoint has an idle pooled connection.
std::unique_ptr<upstream::Connection> take_pooled(Worker& worker, const runtime::Backend& backend, std::size_t start,
                                                  bool probe, Clock::time_point now) {
  if (backend.endpoints.empty()) return nullptr;
  return worker.pool().take_idle(backend.endpoints[start], now, backend.config->idle_timeout, probe);
}

// A whole answer's body up to this size is parsed onto the end of the client's response head,
// so head and body leave as one buffer (one send(), wire.hpp). The parser copies body bytes once
// either way; a larger body goes to a relay buffer instead of growing the head string.
constexpr std::size_t kBodyAfterHeadBytes = 4096;

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

// The whole header, interim answers included, by `due`: the backend's timeout after the request went.
asio::awaitable<error_code> UpstreamCall::read_response_header(Clock::time_point due) {
  auto& socket = connection_->stream.socket();
  error_code ec;
  do {  // interim 1xx answers (103 Early Hints...) are not relayed; 101 is never asked for
    response_.reset();
    response_.emplace(request_.client.arena);
    response_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    response_->body_limit(boost::none);
    if (request_.parser.get().method() == bhttp::verb::head) response_->skip(true);
    while (!parse_buffered(*response_, connection_->buffer, ParseGoal::header, ec)) {
      ec = read_arrived(socket, connection_->buffer);
      if (ec == asio::error::would_block) {
        EventRead read(watchdog_, socket, connection_->buffer, due);
        auto [read_ec, n] = co_await read.start();
        ec = read.finish(read_ec, n);
      }
      if (ec == asio::error::eof) ec = parse_eof(*response_);
      if (ec) break;
    }
  } while (!ec && response_->get().result_int() / 100 == 1);
  co_return ec;
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
    // leave the worker's spare strings to the waiting requests and send the others to malloc
    // (docs/performance.md, steps 25 and 28).
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
    // ~0.5 KiB, and the next head would be written into a string gone cold (step 27).
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

asio::awaitable<void> UpstreamCall::run_with_body() {
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
  if (request_.expect_continue) {
    // Sent before the response can be read, so the two never interleave on the client stream.
    Outgoing out;
    out.add("HTTP/1.1 100 Continue\r\n\r\n");
    error_code ec = write_now(request_.client.socket, out);
    if (!ec && !out.empty()) ec = co_await write_rest(watchdog_, request_.client.socket, out, limits_.body_timeout);
    if (ec) {
      Counters::bump(counters_.client_aborts);
      outcome_.error = "client_aborted";
      co_return;
    }
  }

  RelayResult sent;
  error_code header_ec;
  RelayResult delivered;
  bool sending = true;
  bool receiving = true;
  auto send = [&]() -> asio::awaitable<void> {
    sent = co_await relay_message<true>(watchdog_, request_.client.socket, request_.client.buffer, request_.parser,
                                        connection_->stream.socket(), {limits_.body_timeout, settings_.timeout},
                                        request_buffer_.get(), request_.client.upstream_head, request_.parser.chunked(),
                                        false, request_.head.policy);
    sending = false;
    // The client failed: no answer is coming that anyone could use. Stop waiting for it.
    error_code ignored;
    if (sent.ec && sent.failed == RelaySide::input && receiving) connection_->stream.socket().cancel(ignored);
  };
  auto receive = [&]() -> asio::awaitable<void> {
    if (sent.ec && sent.failed == RelaySide::input) {
      // The client failed before this even started (a bad chunk in the first bytes): there is
      // nothing to cancel, and no answer worth waiting for.
      header_ec = asio::error::operation_aborted;
      receiving = false;
      co_return;
    }
    header_ec = co_await read_response_header(Clock::now() + settings_.timeout);
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
    if (!fail_for_client(sent.ec)) {
      Counters::bump(counters_.client_aborts);
      outcome_.error = "client_aborted";
    }
    co_return;
  }
  fail_header(header_ec);
}

void UpstreamCall::write_request_head() {
  auto& head = request_.client.upstream_head;
  request_.worker.head_strings().lend(head);
  head.clear();
  RemovedHeaders removed;
  append_upstream_request_head(head, request_.parser.get(), request_.head, &removed);
  // A retry writes the head again: what was removed is counted once per request.
  if (removed.any() && !removed_counted_) {
    for (std::size_t i = 0; i < removed.count.size(); ++i) {
      counters_.headers_removed[i].fetch_add(removed.count[i], std::memory_order_relaxed);
    }
  }
  removed_counted_ = true;
}

asio::awaitable<RelayResult> UpstreamCall::deliver_response() {
  using Chunking = ClientResponseHead::Chunking;
  answered_at_ = Clock::now();
  outcome_.upstream_ms = std::chrono::duration<double, std::milli>(answered_at_ - sent_at_).count();
  const auto& message = response_->get();
  upstream_reusable_ = response_->keep_alive();
  outcome_.status = message.result_int();
  outcome_.keep_alive = request_.client_keep_alive;
  unsigned status = outcome_.status;
  const bool header_only = request_.parser.get().method() == bhttp::verb::head || status == 204 || status == 304;
  const bool has_body = !header_only && !response_->is_done();
  ClientResponseHead rewrite;
  rewrite.set_cookie = request_.set_cookie;
  bool chunked_out = response_->chunked();
  if (request_.client_version < 11) {
    // HTTP/1.0 has no chunked coding: such a body ends when the connection does.
    rewrite.version = 10;
    if (chunked_out) rewrite.chunking = Chunking::remove;
    chunked_out = false;
    if (has_body && !response_->content_length()) outcome_.keep_alive = false;
  } else if (has_body && !chunked_out && !response_->content_length()) {
    // A close-delimited upstream body is re-framed as chunked so the client connection lives on.
    rewrite.chunking = Chunking::add;
    chunked_out = true;
  }
  rewrite.keep_alive = outcome_.keep_alive;
  auto& head = request_.client.head;
  request_.worker.head_strings().lend(head);
  head.clear();
  append_client_response_head(head, message, rewrite);
  const auto length = response_->content_length();
  if (!header_only && !chunked_out && length && !response_->is_done() && *length <= kRelayBufferSize) {
    // An answer a little larger than the first read (heads are read in 1 KiB, parse_io.hpp) has
    // usually arrived whole by now: reading the rest at once lets it take the one-write path
    // below instead of the relay loop (a write for the head and another for the rest). Anything
    // but more bytes (nothing yet, an error) is left for the relay to meet.
    while (connection_->buffer.size() < *length) {
      if (read_arrived(connection_->stream.socket(), connection_->buffer, *length - connection_->buffer.size())) break;
    }
  }
  const bool whole = header_only || (!chunked_out && (response_->is_done() || (length && *length <= connection_->buffer.size() &&
                                                                               *length <= kRelayBufferSize)));
  if (whole) {
    // The usual small answer is already here in full: head and body go out in one write, without
    // the relay's loop (and its coroutine frame). A small body is parsed straight onto the end
    // of the head, so the write is one buffer (one send(), wire.hpp); a larger one goes through a
    // relay buffer, borrowed only while delivering.
    RelayResult result;
    std::size_t got = 0;
    const std::size_t head_size = head.size();
    if (!header_only && !response_->is_done()) {
      const bool after_head = length && *length <= kBodyAfterHeadBytes;
      std::size_t room = kRelayBufferSize;
      char* into = nullptr;
      if (after_head) {
        room = static_cast<std::size_t>(*length);
        head.resize(head_size + room);
        into = head.data() + head_size;
      } else {
        response_buffer_ = request_.worker.relay_buffers().take();
        into = response_buffer_.get();
      }
      auto& body = response_->get().body();
      body.data = into;
      body.size = room;
      error_code ec;
      parse_buffered(*response_, connection_->buffer, ParseGoal::progress, ec);
      if (!ec && !response_->is_done()) ec = bhttp::error::partial_message;  // a length it did not keep
      if (ec) {
        result.ec = ec;
        result.failed = RelaySide::input;
        co_return result;
      }
      got = room - body.size;
      if (after_head) head.resize(head_size + got);
    }
    Outgoing out;
    out.add(head);
    if (response_buffer_.get()) out.add(asio::const_buffer(response_buffer_.get(), got));
    error_code ec = write_now(request_.client.socket, out);
    // Written at once: microseconds after the answer arrived, so that reading stands for this one.
    delivered_at_ = answered_at_;
    if (!ec && !out.empty()) {
      ec = co_await write_rest(watchdog_, request_.client.socket, out, limits_.body_timeout);
      delivered_at_ = Clock::now();
    }
    response_buffer_ = {};
    result.body_bytes = got;
    if (ec) {
      result.ec = ec;
      result.failed = RelaySide::output;
    } else {
      result.header_written = true;
    }
    co_return result;
  }
  // Borrowed only while delivering, not while the backend thinks: with thousands of requests
  // waiting on a backend, a few pooled buffers serve them all (RSS per busy connection).
  response_buffer_ = request_.worker.relay_buffers().take();
  RelayResult delivered = co_await relay_message<false>(watchdog_, connection_->stream.socket(), connection_->buffer,
                                                        *response_, request_.client.socket,
                                                        {settings_.timeout, limits_.body_timeout},
                                                        response_buffer_.get(), head, chunked_out, header_only);
  delivered_at_ = Clock::now();
  response_buffer_ = {};
  co_return delivered;
}

void UpstreamCall::finish_delivery(const RelayResult& delivered) {
  outcome_.bytes_out = delivered.body_bytes;
  if (delivered.ec) {
    bool upstream_side = delivered.failed == RelaySide::input;
    bool timed_out = delivered.ec == boost::beast::error::timeout;
    if (!delivered.header_written && upstream_side) {
      return fail(timed_out ? counters_.upstream_timeouts : counters_.upstream_errors, timed_out ? 504 : 502,
                  timed_out ? "upstream_timeout" : "upstream_unavailable",
                  "backend '" + target_.name + "' failed before the response was complete");
    }
    // Part of the response is already with the client: cutting the connection is the only
    // honest way left to say it is incomplete.
    Counters::bump(upstream_side ? (timed_out ? counters_.upstream_timeouts : counters_.upstream_errors) : counters_.client_aborts);
    outcome_.error = upstream_side ? "upstream_aborted" : "client_aborted";
    outcome_.keep_alive = false;
    return;
  }
  Counters::bump(counters_.proxied);
  if (upstream_reusable_ && response_->is_done() && request_.parser.is_done()) {
    request_.worker.pool().give_back(std::move(connection_), settings_.max_idle_per_endpoint, delivered_at_);
  }
}

}  // namespace cutover::http
