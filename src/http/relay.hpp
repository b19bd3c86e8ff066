#pragma once
// Streams a message from one stream to another through a fixed buffer, never holding a whole
// body (Beast's buffer_body relay pattern, with per-read inactivity timeouts). Chunked bodies are
// decoded by the parser and re-chunked by the serializer.
#include <chrono>
#include <cstdint>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <tuple>

#include "http/deadline_read.hpp"

namespace cutover::http {

enum class RelaySide { none, input, output };

struct RelayResult {
  boost::system::error_code ec;
  RelaySide failed = RelaySide::none;  // which stream failed, when ec is set
  std::uint64_t body_bytes = 0;
  bool header_written = false;         // output already received the message header
};

inline constexpr std::size_t kRelayBufferSize = 64 * 1024;

// Writes the parser's message (header as already rewritten) to `output` and relays its body
// (only the header when `header_only`). `input_is_client`: input stalls end with a timeout error
// while the client's socket stays open (see deadline_read.hpp).
// `pause_output_timer`: while waiting for input, the output's timer is stopped, so a slow sender
// on the input side is never blamed on the output (used for uploads while the response is read
// concurrently on the same upstream stream, whose timer both directions share).
template <bool IsRequest>
boost::asio::awaitable<RelayResult> relay_message(
    boost::beast::tcp_stream& input, boost::beast::flat_buffer& input_buffer,
    boost::beast::http::parser<IsRequest, boost::beast::http::buffer_body>& parser,
    boost::beast::tcp_stream& output, std::chrono::milliseconds read_timeout,
    std::chrono::milliseconds write_timeout, char* buffer, bool pause_output_timer, bool header_only = false,
    bool input_is_client = false) {
  namespace asio = boost::asio;
  namespace bhttp = boost::beast::http;
  RelayResult result;
  auto& body = parser.get().body();
  bhttp::serializer<IsRequest, bhttp::buffer_body> serializer{parser.get()};

  if (header_only) {
    // HEAD, 204 and 304 answers: the header may say chunked or name a length, but no body bytes
    // (not even a terminating chunk) may follow, or the next response on the connection breaks.
    body.data = nullptr;
    body.size = 0;
    body.more = false;
    output.expires_after(write_timeout);
    auto [ec, n] = co_await bhttp::async_write_header(output, serializer, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return RelayResult{ec, RelaySide::output, 0, false};
    result.header_written = true;
    co_return result;
  }

  // The header goes out at once unless body bytes are already buffered: then header and the first
  // body bytes share one write. (A response whose body is slow to start still shows its header.)
  if (!parser.is_done() && input_buffer.size() == 0) {
    body.data = nullptr;
    body.more = true;
    output.expires_after(write_timeout);
    if (auto [ec, n] = co_await bhttp::async_write_header(output, serializer, asio::as_tuple(asio::use_awaitable)); ec) {
      co_return RelayResult{ec, RelaySide::output, 0, false};
    }
    result.header_written = true;
  }

  while (!serializer.is_done()) {
    if (!parser.is_done()) {
      body.data = buffer;
      body.size = kRelayBufferSize;
      if (pause_output_timer) output.expires_never();
      boost::system::error_code ec;
      if (input_is_client) {
        // The client's socket must survive a stall so it can still be told 408.
        ec = co_await parse_with_deadline(input, input_buffer, parser, read_timeout, ParseGoal::progress);
      } else {
        input.expires_after(read_timeout);
        std::tie(ec, std::ignore) = co_await bhttp::async_read_some(input, input_buffer, parser, asio::as_tuple(asio::use_awaitable));
      }
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) {
        result.ec = ec;
        result.failed = RelaySide::input;
        co_return result;
      }
      std::size_t got = kRelayBufferSize - body.size;
      if (got == 0 && !parser.is_done()) continue;  // only framing was read (a chunk header)
      body.data = got == 0 ? nullptr : buffer;
      body.size = got;
      body.more = !parser.is_done();
      result.body_bytes += got;
    } else {
      body.data = nullptr;
      body.size = 0;
      body.more = false;
    }
    output.expires_after(write_timeout);
    auto [ec, n] = co_await bhttp::async_write(output, serializer, asio::as_tuple(asio::use_awaitable));
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) {
      result.ec = ec;
      result.failed = RelaySide::output;
      co_return result;
    }
    result.header_written = true;
  }
  co_return result;
}

}  // namespace cutover::http
