#include "http/upstream_call.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <chrono>
#include <memory>

#include "cutover/http/headers.hpp"
#include "cutover/http/worker.hpp"
#include "http/relay.hpp"

namespace cutover::http {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

struct Acquired {
  std::unique_ptr<upstream::Connection> connection;
  bool timed_out = false;
};

// Round robin over the backend's endpoints; a pooled connection when one is idle, else a new one.
// A failed connect moves on to the next endpoint: nothing was sent, so that is always safe.
asio::awaitable<Acquired> acquire(Worker& worker, const runtime::Backend& backend, std::size_t backend_index,
                                  bool probe, bool fresh_only) {
  Acquired acquired;
  std::size_t count = backend.endpoints.size();
  std::size_t start = worker.next_endpoint(backend_index, count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto& endpoint = backend.endpoints[(start + i) % count];
    if (!fresh_only) {
      acquired.connection = worker.pool().take_idle(endpoint, Clock::now(), backend.config->idle_timeout, probe);
      if (acquired.connection) co_return acquired;
    }
    error_code ec;
    acquired.connection = co_await worker.pool().connect(endpoint, backend.config->connect_timeout, ec);
    if (acquired.connection) co_return acquired;
    Counters::bump(worker.counters().upstream_connect_failures);
    acquired.timed_out = acquired.timed_out || ec == boost::beast::error::timeout;
  }
  co_return acquired;
}

bool is_connection_lost(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe;
}

asio::awaitable<error_code> no_op() { co_return error_code{}; }

}  // namespace

asio::awaitable<UpstreamOutcome> UpstreamCall::run() {
  UpstreamOutcome outcome;
  const auto& target = snapshot.backends[backend];
  const auto& settings = *target.config;
  const auto& limits = snapshot.config.limits;
  auto& counters = worker.counters();
  outcome.backend = target.name;
  auto fail = [&](Counters::Counter& counter, unsigned status, std::string_view error, std::string message) {
    outcome.status = status;
    outcome.error = error;
    outcome.counter = &counter;
    outcome.local_reply = LocalReply{status, error, std::move(message)};
    return std::move(outcome);
  };

  const bool request_has_body = !parser.is_done();
  const bool is_head = parser.get().method() == bhttp::verb::head;
  auto buffer = std::make_unique<char[]>(kRelayBufferSize);
  std::optional<ResponseParser> response;
  std::unique_ptr<upstream::Connection> connection;
  Clock::time_point sent_at;

  for (int attempt = 0;; ++attempt) {
    // A request body can't be replayed, so it only goes on a connection known to be alive.
    Acquired acquired = co_await acquire(worker, target, backend, request_has_body, attempt > 0);
    if (!acquired.connection) {
      if (acquired.timed_out) {
        co_return fail(counters.upstream_timeouts, 504, "upstream_timeout", "backend '" + target.name + "' did not accept a connection in time");
      }
      co_return fail(counters.upstream_connect_failures, 502, "upstream_unavailable", "backend '" + target.name + "' is unavailable (connection refused)");
    }
    connection = std::move(acquired.connection);
    sent_at = Clock::now();

    auto send_continue = [this]() -> asio::awaitable<error_code> {
      if (!expect_continue) co_return error_code{};
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      client.stream.expires_after(snapshot.config.limits.body_timeout);
      auto [ec, n] = co_await asio::async_write(client.stream, asio::buffer(kContinue), asio::as_tuple(asio::use_awaitable));
      co_return ec;
    };
    RelayResult sent = co_await relay_message<true>(client.stream, client.buffer, parser, connection->stream,
                                                    limits.body_timeout, settings.timeout, buffer.get(),
                                                    expect_continue, send_continue);
    outcome.bytes_in = sent.body_bytes;
    if (sent.ec && sent.failed == RelaySide::input) {
      if (sent.ec == bhttp::error::body_limit) {
        co_return fail(counters.body_too_large, 413, "body_too_large", "the request body is larger than " + std::to_string(limits.max_body_bytes) + " bytes");
      }
      if (sent.ec == boost::beast::error::timeout) {
        co_return fail(counters.client_timeout, 408, "client_timeout", "the request body stalled for longer than the body timeout");
      }
      Counters::bump(counters.client_aborts);
      outcome.error = "client_aborted";
      co_return outcome;
    }
    if (sent.ec) {
      if (connection->reused && !request_has_body && attempt == 0) {
        Counters::bump(counters.upstream_retries);
        continue;
      }
      if (sent.ec == boost::beast::error::timeout) {
        co_return fail(counters.upstream_timeouts, 504, "upstream_timeout", "backend '" + target.name + "' stopped reading the request");
      }
      co_return fail(counters.upstream_errors, 502, "upstream_unavailable", "lost the connection to backend '" + target.name + "' while sending the request");
    }

    error_code ec;
    do {  // interim 1xx answers (103 Early Hints...) are not relayed; 101 is never asked for
      response.emplace();
      response->header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
      response->body_limit(boost::none);
      if (is_head) response->skip(true);
      connection->stream.expires_after(settings.timeout);
      auto [read_ec, n] = co_await bhttp::async_read_header(connection->stream, connection->buffer, *response, asio::as_tuple(asio::use_awaitable));
      ec = read_ec;
    } while (!ec && response->get().result_int() / 100 == 1);
    if (!ec) break;
    if (ec == boost::beast::error::timeout) {
      co_return fail(counters.upstream_timeouts, 504, "upstream_timeout",
                     "backend '" + target.name + "' did not answer within " + std::to_string(settings.timeout.count()) + "ms");
    }
    if (is_connection_lost(ec) && connection->reused && !request_has_body && attempt == 0) {
      Counters::bump(counters.upstream_retries);  // the idle connection was closed under us
      continue;
    }
    co_return fail(counters.upstream_errors, 502, "upstream_unavailable",
                   is_connection_lost(ec) ? "backend '" + target.name + "' closed the connection without answering"
                                          : "backend '" + target.name + "' sent an invalid response: " + ec.message());
  }
  outcome.upstream_ms = std::chrono::duration<double, std::milli>(Clock::now() - sent_at).count();

  auto& message = response->get();
  const bool upstream_reusable = response->keep_alive();
  outcome.status = message.result_int();
  strip_hop_by_hop(message);
  if (!set_cookie.empty()) message.insert(bhttp::field::set_cookie, set_cookie);
  outcome.keep_alive = client_keep_alive;
  const bool has_body = !is_head && !response->is_done();
  if (client_version < 11) {
    // HTTP/1.0 has no chunked coding: such a body ends when the connection does.
    if (message.chunked()) {
      message.chunked(false);
      outcome.keep_alive = false;
    }
    if (has_body && !response->content_length()) outcome.keep_alive = false;
    message.version(10);
  } else {
    message.version(11);
    // A close-delimited upstream body is re-framed as chunked so the client connection lives on.
    if (has_body && !message.chunked() && !response->content_length()) message.chunked(true);
  }
  message.keep_alive(outcome.keep_alive);

  RelayResult delivered = co_await relay_message<false>(connection->stream, connection->buffer, *response,
                                                        client.stream, settings.timeout, limits.body_timeout,
                                                        buffer.get(), false, no_op);
  outcome.bytes_out = delivered.body_bytes;
  if (delivered.ec) {
    bool upstream_side = delivered.failed == RelaySide::input;
    bool timed_out = delivered.ec == boost::beast::error::timeout;
    if (!delivered.header_written && upstream_side) {
      co_return fail(timed_out ? counters.upstream_timeouts : counters.upstream_errors, timed_out ? 504 : 502,
                     timed_out ? "upstream_timeout" : "upstream_unavailable",
                     "backend '" + target.name + "' failed before the response body was complete");
    }
    // Part of the response is already with the client: cutting the connection is the only
    // honest way left to say it is incomplete.
    Counters::bump(upstream_side ? (timed_out ? counters.upstream_timeouts : counters.upstream_errors) : counters.client_aborts);
    outcome.error = upstream_side ? "upstream_aborted" : "client_aborted";
    outcome.keep_alive = false;
    co_return outcome;
  }
  Counters::bump(counters.proxied);
  if (upstream_reusable && response->is_done() && parser.is_done()) {
    worker.pool().give_back(std::move(connection), settings.max_idle_per_endpoint, Clock::now());
  }
  co_return outcome;
}

}  // namespace cutover::http
