#include "http/parse_io.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace cutover::http {
namespace {

using boost::system::error_code;
namespace asio = boost::asio;

error_code read_socket(asio::ip::tcp::socket& socket, ReadBuffer& buffer, std::size_t min_room, bool trust_readiness) {
  if (trust_readiness && !next_read_is_tried_at_once(socket)) return asio::error::would_block;
  const auto room = read_room(buffer, min_room);
  error_code ec;
  const std::size_t n = socket.read_some(room, ec);  // the socket is non-blocking
  buffer.commit(n);
  // Found empty just now, and no event can have been handled since: the next read waits for one.
  if (ec == asio::error::would_block || (!ec && n < room.size())) next_read_waits_for_event(socket);
  return ec;
}

error_code read_stream(Stream stream, ReadBuffer& buffer, std::size_t min_room, bool trust_readiness) {
  if (!stream.tls) return read_socket(stream.socket, buffer, min_room, trust_readiness);
  const std::size_t before = buffer.size();
  for (;;) {
    if (auto ec = decrypt_buffered(*stream.tls, buffer, min_room); ec || buffer.size() > before) return ec;
    if (auto ec = read_socket(stream.socket, stream.tls->input(), kCiphertextReadSize, trust_readiness)) return ec;
  }
}

}  // namespace

error_code decrypt_buffered(tls::Channel& tls, ReadBuffer& buffer, std::size_t min_room) {
  bool decrypted = false;
  for (;;) {
    std::size_t n = 0;
    const auto ec = tls.read(read_room(buffer, min_room), n);
    buffer.commit(n);
    if (!ec) {
      decrypted = true;
      continue;
    }
    // What came before an end or an error is passed on first; the next read reports it again.
    if (ec == asio::error::would_block || decrypted) {
      // Consumed: a ciphertext buffer that grew for a large record is given back.
      if (tls.input().size() == 0 && tls.input().capacity() > 4 * kCiphertextReadSize) tls.input().shrink_to_fit();
      return {};
    }
    return ec;
  }
}

error_code read_arrived(Stream stream, ReadBuffer& buffer, std::size_t min_room) {
  return read_stream(stream, buffer, min_room, true);
}

error_code read_now(Stream stream, ReadBuffer& buffer, std::size_t min_room) {
  return read_stream(stream, buffer, min_room, false);
}

asio::awaitable<error_code> fill(Watchdog& watchdog, Stream stream, ReadBuffer& buffer, std::chrono::milliseconds timeout,
                                 std::size_t min_room) {
  if (auto ec = read_arrived(stream, buffer, min_room); ec != asio::error::would_block) co_return ec;
  // One deadline for the whole read: a TLS peer sending a record a byte at a time does not get a
  // new `timeout` for each byte.
  const auto due = timeout.count() <= 0 ? Watch::Clock::time_point::max() : watchdog.now() + timeout;
  const std::size_t before = buffer.size();
  for (;;) {
    EventRead read(watchdog, stream, buffer, due, min_room);
    auto [read_ec, n] = co_await read.start();
    if (auto ec = read.finish(read_ec, n); ec || buffer.size() > before) co_return ec;
    if (auto ec = read_arrived(stream, buffer, min_room); ec != asio::error::would_block) co_return ec;
  }
}

}  // namespace cutover::http
