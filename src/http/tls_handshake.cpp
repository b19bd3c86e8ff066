#include "http/tls_handshake.hpp"

#include "http/parse_io.hpp"
#include "http/wire.hpp"

namespace cutover::http {

namespace asio = boost::asio;
using boost::system::error_code;

asio::awaitable<error_code> handshake(Watchdog& watchdog, Stream stream, Watch::Clock::time_point due) {
  tls::Channel& tls = *stream.tls;
  // The handshake's records are read as they come, not decrypted: the socket alone.
  const Stream ciphertext{stream.socket, nullptr};
  for (;;) {
    const error_code ec = tls.handshake();
    Outgoing nothing;
    if (ec && ec != asio::error::would_block) {
      write_now(stream, nothing);  // the alert, if the kernel takes it now
      co_return ec;
    }
    if (tls.has_output()) {
      if (auto write_ec = co_await write_rest(watchdog, stream, nothing, time_left(watchdog, due))) co_return write_ec;
    }
    if (!ec) co_return ec;
    error_code read_ec = read_arrived(ciphertext, tls.input(), kCiphertextReadSize);
    if (read_ec == asio::error::would_block) {
      EventRead read(watchdog, ciphertext, tls.input(), due, kCiphertextReadSize);
      auto [wait_ec, n] = co_await read.start();
      read_ec = read.finish(wait_ec, n);
    }
    if (read_ec) co_return read_ec;
  }
}

}  // namespace cutover::http
