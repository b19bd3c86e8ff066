#pragma once
// Reads into a Beast parser with a deadline that cancels the read instead of closing the socket
// (what beast::tcp_stream's own timeouts do), so the gateway can still answer a slow client with
// 408. Bytes already buffered are parsed first: the usual request never touches the timer.
#include <chrono>
#include <optional>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

namespace cutover::http {

enum class ParseGoal { header, progress };

// Parses from `buffer`, reading more from `stream` until the goal is met: the header is complete,
// or (progress) the parser consumed something (body bytes, a chunk header) or the message ended.
// Errors: the parser's (header_limit, body_limit, bad_chunk, need_buffer...), the socket's, or
// beast::error::timeout when `timeout` passed with the goal unmet (the socket stays open).
template <bool IsRequest, class Body>
boost::asio::awaitable<boost::system::error_code> parse_with_deadline(
    boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer,
    boost::beast::http::parser<IsRequest, Body>& parser, std::chrono::milliseconds timeout, ParseGoal goal) {
  namespace asio = boost::asio;
  namespace bhttp = boost::beast::http;
  using namespace boost::asio::experimental::awaitable_operators;
  using boost::system::error_code;
  auto goal_met = [&](std::size_t used) {
    return goal == ParseGoal::header ? parser.is_header_done() : (used > 0 || parser.is_done());
  };
  std::optional<asio::steady_timer> deadline;
  for (;;) {
    if (buffer.size() > 0 && !parser.is_done()) {
      error_code ec;
      std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec && ec != bhttp::error::need_more) co_return ec;
      if (goal_met(used)) co_return error_code{};
      if (!ec && used > 0) continue;  // parsed an element; the rest may already be buffered
    } else if (parser.is_done()) {
      co_return error_code{};
    }
    if (!deadline) {
      deadline.emplace(co_await asio::this_coro::executor, timeout);
    }
    stream.expires_never();  // this read's deadline is ours, not the stream's
    auto result = co_await (stream.socket().async_read_some(buffer.prepare(16 * 1024), asio::as_tuple(asio::use_awaitable)) ||
                            deadline->async_wait(asio::as_tuple(asio::use_awaitable)));
    if (result.index() == 1) co_return make_error_code(boost::beast::error::timeout);
    auto [ec, n] = std::get<0>(result);
    if (ec == asio::error::eof) {
      if (!parser.got_some()) co_return make_error_code(bhttp::error::end_of_stream);  // a quiet close
      error_code eof_ec;
      parser.put_eof(eof_ec);  // completes a close-delimited body; otherwise partial_message
      co_return eof_ec ? eof_ec : make_error_code(bhttp::error::end_of_stream);
    }
    if (ec) co_return ec;
    buffer.commit(n);
  }
}

}  // namespace cutover::http
