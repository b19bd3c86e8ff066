#pragma once
// Feeding a Beast parser from a socket. Bytes already buffered are parsed first, synchronously:
// a small request or response usually arrives whole, so parsing it costs no socket call and no
// coroutine. Only when the parser needs more does the caller co_await fill(), one read under a
// deadline kept by the worker's Watchdog. A deadline cancels the read but leaves the socket open,
// so a slow client can still be told 408.
#include <algorithm>
#include <chrono>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

#include "http/watchdog.hpp"

namespace cutover::http {

enum class ParseGoal { header, progress };

// Parses what `buffer` holds towards `goal`: the header is complete, or (progress) the parser
// consumed something (body bytes, a chunk header), filled the body buffer, or the message ended.
// True: the goal is met, or `ec` says why it cannot be. False: more bytes must be read first.
template <bool IsRequest, class Body, class Allocator>
bool parse_buffered(boost::beast::http::parser<IsRequest, Body, Allocator>& parser, boost::beast::flat_buffer& buffer,
                    ParseGoal goal, boost::system::error_code& ec) {
  namespace bhttp = boost::beast::http;
  ec = {};
  if (parser.is_done()) return true;
  while (buffer.size() > 0) {
    std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == bhttp::error::need_more) {
      ec = {};
      return false;
    }
    if (ec == bhttp::error::need_buffer) {  // the body buffer is full: that is progress
      ec = {};
      return true;
    }
    if (ec) return true;
    if (parser.is_done()) return true;
    if (goal == ParseGoal::header ? parser.is_header_done() : used > 0) return true;
    if (used == 0) return false;
  }
  return false;
}

// What the end of the input means for the message being parsed: end_of_stream when nothing of a
// message had arrived (a quiet close), success when it completes a close-delimited body,
// partial_message otherwise.
template <bool IsRequest, class Body, class Allocator>
boost::system::error_code parse_eof(boost::beast::http::parser<IsRequest, Body, Allocator>& parser) {
  if (!parser.got_some()) return make_error_code(boost::beast::http::error::end_of_stream);
  boost::system::error_code ec;
  parser.put_eof(ec);
  return ec;
}

// One read into `buffer`, waiting for data if none has arrived (read_arrived, then an async read): as much as its free capacity takes, at least `min_room` (the buffer
// grows for that) and at most 64 KiB. Bodies read with a large `min_room`, so a download takes a
// quarter of the system calls; heads read with the default, so an idle connection stays small.
// Errors: the socket's (eof included) or beast::error::timeout when `timeout` passes first.
// 1 KiB, as nginx's client_header_buffer_size: most heads fit; a larger one grows the buffer and
// takes another read. Every keep-alive connection holds one, so this is memory per connection.
inline constexpr std::size_t kHeadReadSize = 1024;
inline constexpr std::size_t kBodyReadSize = 64 * 1024;
boost::asio::awaitable<boost::system::error_code> fill(Watchdog& watchdog, boost::asio::ip::tcp::socket& socket,
                                                       boost::beast::flat_buffer& buffer,
                                                       std::chrono::milliseconds timeout,
                                                       std::size_t min_room = kHeadReadSize);

// One read of what has already arrived, without waiting and without a coroutine frame: tried only
// when the reactor has seen the socket become readable since a read last found it empty
// (read_readiness.hpp). would_block, often without any system call, when nothing has arrived; the
// caller then co_awaits an async read, which waits for the next readable event instead of trying
// first. Other errors are the socket's (eof included).
boost::system::error_code read_arrived(boost::asio::ip::tcp::socket& socket, boost::beast::flat_buffer& buffer,
                                       std::size_t min_room = kHeadReadSize);

// Where the next read goes: the buffer's free capacity, at least `min_room`, at most 64 KiB.
// (Hot paths co_await the socket read themselves, under a Watch, rather than call fill(): each
// awaitable function costs a coroutine frame.)
inline boost::asio::mutable_buffer read_room(boost::beast::flat_buffer& buffer, std::size_t min_room = kHeadReadSize) {
  // Sized by the free capacity, as Beast does: a buffer that grew for a large header or body
  // keeps reading in large pieces.
  return buffer.prepare(std::clamp<std::size_t>(buffer.capacity() - buffer.size(), min_room, kBodyReadSize));
}

// Returns a read buffer grown for a body to its small size; only when it holds nothing.
inline void shrink_if_grown(boost::beast::flat_buffer& buffer) {
  if (buffer.size() == 0 && buffer.capacity() > 4 * kHeadReadSize) buffer.shrink_to_fit();
}

// The time left until `due`, at least 1 ms: a deadline shared by several reads.
inline std::chrono::milliseconds time_left(std::chrono::steady_clock::time_point due) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(due - std::chrono::steady_clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

}  // namespace cutover::http
