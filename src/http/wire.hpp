#pragma once
// Bytes on the wire, without Beast's serializer. The serializer writes a head as one buffer per
// field through nested buffer-sequence adaptors whose iterators dispatch through a variant on
// every step: ~25% of the instructions of a small proxied GET (docs/archive/performance-log.md,
// baseline profile). Here a head is appended to one flat string, a chunk's framing is formatted
// by hand, and a write goes out as one gather write that is tried at once (the socket is
// non-blocking) and only waits for the socket, under a deadline, when the kernel cannot take
// everything.
#include <array>
#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>

#include "http/stream.hpp"
#include "http/watchdog.hpp"

namespace cutover::http {

// "METHOD target HTTP/1.x\r\n" + fields + "\r\n", appended to `out`.
void append_head(std::string& out, const boost::beast::http::request_header<>& head);
// "HTTP/1.x status reason\r\n"; the standard reason when `reason` is Beast's placeholder for none.
void append_status_line(std::string& out, unsigned version, unsigned status, std::string_view reason);
// "HTTP/1.x status reason\r\n" + fields + "\r\n"; the standard reason when the message has none.
void append_head(std::string& out, const boost::beast::http::response_header<>& head);

// A chunk's size line, "1a2b\r\n" (RFC 9112 7.1).
struct ChunkSize {
  explicit ChunkSize(std::size_t size);
  std::string_view text() const { return {bytes.data(), length}; }
  std::array<char, 2 * sizeof(std::size_t) + 2> bytes;
  std::size_t length = 0;
};
inline constexpr std::string_view kChunkEnd = "\r\n";
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// Up to six buffers written as one gather write; consumed from the front as bytes go out.
class Outgoing {
 public:
  void add(std::string_view bytes) {
    if (!bytes.empty()) add(boost::asio::const_buffer(bytes.data(), bytes.size()));
  }
  void add(boost::asio::const_buffer buffer);
  bool empty() const { return first_ == count_; }
  std::size_t size() const;
  std::span<const boost::asio::const_buffer> pending() const { return {buffers_.data() + first_, count_ - first_}; }
  void consume(std::size_t bytes);

 private:
  std::array<boost::asio::const_buffer, 6> buffers_;
  std::size_t first_ = 0;
  std::size_t count_ = 0;
};

// Writes as much as the socket takes now, without waiting (the socket must be non-blocking).
// Errors other than "would block" are returned. A single buffer is one send(), so a caller that
// can put a small message in one buffer should. On a TLS stream all of `out` is encrypted at once
// (it is then empty) and its records are what waits to be sent: ask all_sent().
boost::system::error_code write_now(Stream stream, Outgoing& out);

// Whether everything written to `stream` has gone to the kernel.
inline bool all_sent(Stream stream, const Outgoing& out) {
  return out.empty() && (!stream.tls || !stream.tls->has_output());
}

// Whether the peer closed or reset the connection, asked without waiting (a peek). Bytes it sent
// that nobody read yet (a pipelined request) do not count as leaving.
bool peer_left(Stream stream);

// Ends the sending direction: a TLS stream's close_notify first (sent if the kernel takes it
// now), then a FIN.
void shutdown_send(Stream stream);

// Everything in `out`: first without waiting, then, only if the kernel's buffer is full, waiting
// for the socket with `timeout` as the deadline (beast::error::timeout when it passes).
// Callers on the hot path call write_now themselves first and come here only when something is
// left, so the common case allocates no coroutine frame.
boost::asio::awaitable<boost::system::error_code> write_rest(Watchdog& watchdog, Stream stream, Outgoing& out,
                                                             std::chrono::milliseconds timeout);

}  // namespace cutover::http
