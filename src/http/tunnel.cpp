#include "http/tunnel.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core/error.hpp>

#include "http/parse_io.hpp"
#include "http/watchdog.hpp"
#include "http/wire.hpp"

namespace cutover::http {
namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

// What the two directions share: when anything last moved, and how the tunnel ended.
struct Shared {
  Clock::time_point last_moved;
  std::chrono::milliseconds idle_timeout;
  TunnelResult result;
};

// One direction. Its reads wait until the tunnel's idle deadline, which moves whenever either
// direction carries something; a read that reaches a deadline the other direction has since
// moved waits again.
//
// Reads here always try the socket first and wait only after it said "would block", without
// read_readiness.hpp's shortcut: a peer's last bytes and its FIN often come in one readable event,
// and a tunnel ends on that FIN. (The shortcut, after the short read of those bytes, would wait
// for an event that never comes.)
asio::awaitable<void> pump(Watchdog& watchdog, TunnelSide from, TunnelSide to, Shared& shared, std::uint64_t& moved) {
  error_code ec;
  for (;;) {
    if (from.buffer.size() == 0) {
      ec = read_now(from.stream, from.buffer);
      while (ec == asio::error::would_block) {
        EventRead read(watchdog, from.stream, from.buffer, shared.last_moved + shared.idle_timeout);
        auto [read_ec, n] = co_await read.start();
        ec = read.finish(read_ec, n);
        if (ec == boost::beast::error::timeout && watchdog.now() < shared.last_moved + shared.idle_timeout) {
          ec = asio::error::would_block;
        } else if (!ec && from.buffer.size() == 0) {  // half a TLS record
          ec = read_now(from.stream, from.buffer);
        }
      }
      if (ec == asio::error::eof) {
        // This side is done sending; the other way goes on (a WebSocket close handshake, or a
        // response still coming).
        shutdown_send(to.stream);
        co_return;
      }
      if (ec) break;
    }
    const std::size_t size = from.buffer.size();
    Outgoing out;
    out.add(from.buffer.data());
    ec = write_now(to.stream, out);
    if (!ec && !all_sent(to.stream, out)) ec = co_await write_rest(watchdog, to.stream, out, shared.idle_timeout);
    if (ec) break;
    from.buffer.consume(size);
    moved += size;
    shared.last_moved = watchdog.now();
  }
  // Either way failing ends both: the other direction's wait is cancelled.
  if (ec == boost::beast::error::timeout) {
    shared.result.idle = true;
  } else if (ec != asio::error::operation_aborted) {
    shared.result.failed = true;
  }
  error_code ignored;
  from.stream.socket.cancel(ignored);
  to.stream.socket.cancel(ignored);
}

}  // namespace

asio::awaitable<TunnelResult> run_tunnel(Watchdog& watchdog, TunnelSide client, TunnelSide backend,
                                         std::chrono::milliseconds idle_timeout) {
  Shared shared{watchdog.now(), idle_timeout, {}};
  co_await (pump(watchdog, client, backend, shared, shared.result.to_backend) &&
            pump(watchdog, backend, client, shared, shared.result.to_client));
  co_return shared.result;
}

}  // namespace cutover::http
