// The answer's way back to the client: its head rewritten for the client's version and
// connection, and its body in one write when it is already here, else through the relay.
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core/error.hpp>
#include <chrono>

#include "cutover/http/headers.hpp"
#include "cutover/http/response_plan.hpp"
#include "cutover/http/upstream_supply.hpp"
#include "http/relay.hpp"
#include "http/relay_buffers.hpp"
#include "http/upstream_call.hpp"
#include "http/watchdog.hpp"

namespace cutover::http {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

// A whole answer's body up to this size is parsed onto the end of the client's response head,
// so head and body leave as one buffer (one send(), wire.hpp). The parser copies body bytes once
// either way; a larger body goes to a relay buffer instead of growing the head string.
constexpr std::size_t kBodyAfterHeadBytes = 4096;

}  // namespace

asio::awaitable<RelayResult> UpstreamCall::deliver_response() {
  answered_at_ = watchdog_.now();
  outcome_.upstream_ms = std::chrono::duration<double, std::milli>(answered_at_ - sent_at_).count();
  const auto& message = response_->get();
  upstream_reusable_ = response_->keep_alive();
  outcome_.status = message.result_int();
  target_.health->observe(target_.index_of(connection_->endpoint),
                          outcome_.status >= 500 ? upstream::Observation::answered_5xx : upstream::Observation::answered,
                          answered_at_);
  const auto length = response_->content_length();
  AnswerFacts answer{outcome_.status, request_.parser.get().method() == bhttp::verb::head, response_->chunked(),
                     std::nullopt, response_->is_done()};
  if (length) answer.content_length = *length;
  // The drain is asked now, not when the request came: one that began since closes too.
  auto plan = plan_response({request_.client_version, request_.client_keep_alive, request_.supply.is_draining()}, answer);
  outcome_.keep_alive = plan.head.keep_alive;
  plan.head.set_cookie = request_.set_cookie;
  const bool header_only = plan.header_only;
  const bool chunked_out = plan.chunked;
  auto& head = request_.client.head;
  request_.supply.head_strings.lend(head);
  head.clear();
  append_client_response_head(head, message, plan.head);
  if (!header_only && !chunked_out && length && !response_->is_done() && *length <= kRelayBufferSize) {
    // An answer a little larger than the first read (heads are read in 1 KiB, parse_io.hpp) has
    // usually arrived whole by now: reading the rest at once lets it take the one-write path
    // below instead of the relay loop (a write for the head and another for the rest). Anything
    // but more bytes (nothing yet, an error) is left for the relay to meet.
    while (connection_->buffer.size() < *length) {
      if (read_arrived(stream_of(*connection_), connection_->buffer, *length - connection_->buffer.size())) break;
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
        response_buffer_ = request_.supply.relay_buffers.take();
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
    error_code ec = write_now(request_.client.stream(), out);
    // Written at once: microseconds after the answer arrived, so that reading stands for this one.
    delivered_at_ = answered_at_;
    if (!ec && !all_sent(request_.client.stream(), out)) {
      ec = co_await write_rest(watchdog_, request_.client.stream(), out, limits_.body_timeout);
      delivered_at_ = watchdog_.now();
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
  // A chunked answer's trailer fields go on to the client under the same rules as a request's
  // (append_last_chunk): none that frame, route or authenticate, nothing hop-by-hop, no name the
  // gateway owns. An HTTP/1.0 client, whose answer is not chunked, gets none.
  // Borrowed only while delivering, not while the backend thinks: with thousands of requests
  // waiting on a backend, a few pooled buffers serve them all (RSS per busy connection).
  response_buffer_ = request_.supply.relay_buffers.take();
  RelayResult delivered = co_await relay_message<false>(watchdog_, stream_of(*connection_), connection_->buffer,
                                                        *response_, request_.client.stream(),
                                                        {settings_.timeout, limits_.body_timeout},
                                                        response_buffer_.get(), head, chunked_out, header_only,
                                                        request_.head.policy);
  delivered_at_ = watchdog_.now();
  response_buffer_ = {};
  co_return delivered;
}

void UpstreamCall::finish_delivery(const RelayResult& delivered) {
  outcome_.bytes_out = delivered.body_bytes;
  if (delivered.ec) {
    if (delivered.failed == RelaySide::input) {
      const auto failure = upstream::classify_response_body(delivered.ec);
      if (!delivered.header_written) return fail(failure);
      // Part of the response is already with the client: cutting the connection is the only
      // honest way left to say it is incomplete.
      Counters::bump(counters_.upstream(upstream::reply_for(failure).counter));
      target_.health->observe(target_.index_of(connection_->endpoint), upstream::Observation::failed, delivered_at_);
      outcome_.error = "upstream_aborted";
    } else {
      Counters::bump(counters_.client_aborts);
      outcome_.error = "client_aborted";
    }
    outcome_.keep_alive = false;
    return;
  }
  Counters::bump(counters_.requests_proxied);
  if (upstream_reusable_ && response_->is_done() && request_.parser.is_done()) {
    request_.supply.pool.give_back(std::move(connection_), settings_.max_idle_per_endpoint, delivered_at_);
  }
}

}  // namespace cutover::http
