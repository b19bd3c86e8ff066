#include "http/tls_accept.hpp"

#include "cutover/http/worker.hpp"
#include "http/tls_handshake.hpp"
#include "http/wire.hpp"

namespace cutover::http {

namespace asio = boost::asio;

asio::awaitable<bool> accept_tls(Worker& worker, ClientConnection& client) {
  boost::system::error_code ignored;
  client.peer_address = client.socket.remote_endpoint(ignored).address().to_string();
  const auto snapshot = worker.snapshot();
  if (snapshot->tls) client.tls = tls::Channel::accept(snapshot->tls->default_context());
  if (!client.tls) co_return false;  // a reload took `tls:` away: the listener stays until a restart
  client.answered_at = worker.watchdog().now();
  const auto due = client.answered_at + snapshot->config.limits.header_timeout;
  const auto ec = co_await handshake(worker.watchdog(), client.stream(), due);
  if (!ec) {
    Counters::bump(worker.counters().tls_handshakes);
    if (client.tls->resumed()) Counters::bump(worker.counters().tls_resumed);
    co_return true;
  }
  Counters::bump(worker.counters().tls_handshake_failures);
  if (ec != asio::error::eof && ec != asio::error::connection_reset) {
    worker.log_tls_failure(client.peer_address, tls::Channel::describe(ec));
  }
  co_return false;
}

asio::awaitable<void> serve_tls(Worker& worker, ClientConnection client) {
  if (!co_await accept_tls(worker, client)) {
    shutdown_send(client.stream());
    boost::system::error_code ignored;
    client.socket.close(ignored);
    co_return;
  }
  co_await serve(worker, std::move(client));
}

}  // namespace cutover::http
