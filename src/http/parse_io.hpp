#pragma once
// Feeding a parser (MessageParser, or Beast's) from a socket. Bytes already buffered are parsed first, synchronously:
// a small request or response usually arrives whole, so parsing it costs no socket call and no
// coroutine. Only when the parser needs more does the caller co_await fill(), one read under a
// deadline kept by the worker's Watchdog. A deadline cancels the read but leaves the socket open,
// so a slow client can still be told 408.
#include <algorithm>
#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/basic_parser.hpp>

#include "cutover/common/read_buffer.hpp"
#include "http/read_readiness.hpp"
#include "http/stream.hpp"
#include "http/watchdog.hpp"

namespace cutover::http {

enum class ParseGoal { header, progress };

// Parses what `buffer` holds towards `goal`. header: the header is complete. progress: everything
// buffered is parsed, until the body buffer is full or the message ends; a message that arrived
// whole is then judged whole (a bad chunk after a good one is found before any of it is passed
// on), and what did arrive is passed on without waiting for more (a stream of small chunks
// stays a stream).
// True: the goal is met, or `ec` says why it cannot be. False: more bytes must be read first.
template <class Parser>
bool parse_buffered(Parser& parser, ReadBuffer& buffer,
                    ParseGoal goal, boost::system::error_code& ec) {
  namespace bhttp = boost::beast::http;
  ec = {};
  if (parser.is_done()) return true;
  bool progressed = false;
  while (buffer.size() > 0) {
    std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    progressed = progressed || used > 0;
    if (ec == bhttp::error::need_more) {
      ec = {};
      return goal == ParseGoal::progress && progressed;
    }
    if (ec == bhttp::error::need_buffer) {  // the body buffer is full: that is progress
      ec = {};
      return true;
    }
    if (ec) return true;
    if (parser.is_done()) return true;
    if (goal == ParseGoal::header && parser.is_header_done()) return true;
    if (used == 0) break;
  }
  return goal == ParseGoal::progress && progressed;
}

// What the end of the input means for the message being parsed: end_of_stream when nothing of a
// message had arrived (a quiet close), success when it completes a close-delimited body,
// partial_message otherwise.
template <class Parser>
boost::system::error_code parse_eof(Parser& parser) {
  if (!parser.got_some()) return make_error_code(boost::beast::http::error::end_of_stream);
  boost::system::error_code ec;
  parser.put_eof(ec);
  return ec;
}

// The same on a stream: over TLS, an end without the peer's close_notify is a cut, not an end
// (RFC 8446 6.1), so it does not complete a body that only the end of the connection delimits.
template <class Parser>
boost::system::error_code parse_eof(Parser& parser, Stream stream) {
  auto ec = parse_eof(parser);
  if (!ec && stream.tls && !stream.tls->peer_closed()) ec = boost::asio::ssl::error::stream_truncated;
  return ec;
}

// Heads are read in 1 KiB pieces, as nginx's client_header_buffer_size: most heads fit; a larger
// one grows the buffer and takes another read. Every keep-alive connection holds one such buffer
// while it waits, so this is memory per connection. Bodies are read in up to 64 KiB pieces, so a
// download takes a quarter of the system calls.
inline constexpr std::size_t kHeadReadSize = 1024;
inline constexpr std::size_t kBodyReadSize = 64 * 1024;

// Where the next read goes: the buffer's free capacity, at least `min_room` (the buffer grows for
// that), at most 64 KiB.
inline boost::asio::mutable_buffer read_room(ReadBuffer& buffer, std::size_t min_room = kHeadReadSize) {
  // Sized by the free capacity, as Beast does: a buffer that grew for a large header or body
  // keeps reading in large pieces.
  return buffer.prepare(std::clamp<std::size_t>(buffer.capacity() - buffer.size(), min_room, kBodyReadSize));
}

// One read of what has already arrived, without waiting and without a coroutine frame: tried only
// when the reactor has seen the socket become readable since a read last found it empty
// (read_readiness.hpp). would_block, often without any system call, when nothing has arrived; the
// caller then waits with an EventRead. Other errors are the socket's (eof included). On a TLS
// stream, "arrived" means decrypted: would_block until a whole record is in.
boost::system::error_code read_arrived(Stream stream, ReadBuffer& buffer, std::size_t min_room = kHeadReadSize);

// The same without read_readiness.hpp's shortcut: the socket is always asked. For a reader that
// must see a FIN that came in the same readable event as the last bytes (a tunnel).
boost::system::error_code read_now(Stream stream, ReadBuffer& buffer, std::size_t min_room = kHeadReadSize);

// Decrypts every whole record a TLS stream holds into `buffer`. {} also when there was none (the
// caller reads more ciphertext); eof after the peer's close_notify; an ssl error for a bad record.
boost::system::error_code decrypt_buffered(tls::Channel& tls, ReadBuffer& buffer, std::size_t min_room);

// Where a TLS stream's ciphertext is read: at least a few records' worth.
inline constexpr std::size_t kCiphertextReadSize = 4096;

// The read after read_arrived said would_block: it waits for the socket's next readable event,
// under `timeout`. The caller co_awaits start() itself (an awaitable function of its own would
// cost a coroutine frame on the hot path) and passes the result to finish():
//   EventRead read(watchdog, stream, buffer, timeout);
//   auto [read_ec, n] = co_await read.start();
//   ec = read.finish(read_ec, n);
// finish() commits what was read and returns the socket's error (eof included) or
// beast::error::timeout when `timeout` passed first. On a TLS stream the read takes ciphertext
// and finish() decrypts what it can: {} may then come with nothing new in `buffer` (half a
// record arrived), and the caller reads again.
class EventRead {
 public:
  EventRead(Watchdog& watchdog, Stream stream, ReadBuffer& buffer, std::chrono::milliseconds timeout,
            std::size_t min_room = kHeadReadSize)
      : stream_(stream), buffer_(buffer), watch_(watchdog, stream.socket, timeout), room_(room_for(min_room)),
        readiness_(stream.socket) {}
  // Under a deadline the caller computed from its one clock reading for this event: none here.
  EventRead(Watchdog& watchdog, Stream stream, ReadBuffer& buffer, Watch::Clock::time_point due,
            std::size_t min_room = kHeadReadSize)
      : stream_(stream), buffer_(buffer), watch_(watchdog, stream.socket, due), room_(room_for(min_room)),
        readiness_(stream.socket) {}

  auto start() { return stream_.socket.async_read_some(room_, boost::asio::as_tuple(boost::asio::deferred)); }

  boost::system::error_code finish(const boost::system::error_code& ec, std::size_t read) {
    readiness_.completed(stream_.socket, ec, read, room_.size());
    if (!stream_.tls) {
      buffer_.commit(read);
      return watch_.result(ec);
    }
    stream_.tls->input().commit(read);
    const auto result = watch_.result(ec);
    if (result) return result;
    return decrypt_buffered(*stream_.tls, buffer_, kHeadReadSize);
  }

 private:
  boost::asio::mutable_buffer room_for(std::size_t min_room) {
    return stream_.tls ? read_room(stream_.tls->input(), kCiphertextReadSize) : read_room(buffer_, min_room);
  }

  Stream stream_;
  ReadBuffer& buffer_;
  Watch watch_;
  boost::asio::mutable_buffer room_;
  ReadReadiness readiness_;
};

// One read into `buffer`: read_arrived, then an EventRead if nothing had arrived (a coroutine
// frame; the hot paths do the two steps themselves). On a TLS stream, until a whole record is in.
boost::asio::awaitable<boost::system::error_code> fill(Watchdog& watchdog, Stream stream, ReadBuffer& buffer,
                                                       std::chrono::milliseconds timeout,
                                                       std::size_t min_room = kHeadReadSize);

// Returns a read buffer grown for a body to its small size; only when it holds nothing.
inline void shrink_if_grown(ReadBuffer& buffer) {
  if (buffer.size() == 0 && buffer.capacity() > 4 * kHeadReadSize) buffer.shrink_to_fit();
}

// The time left until `due`, at least 1 ms: a deadline shared by several reads.
inline std::chrono::milliseconds time_left(const Watchdog& watchdog, std::chrono::steady_clock::time_point due) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(due - watchdog.now());
  return std::max(left, std::chrono::milliseconds(1));
}

}  // namespace cutover::http
