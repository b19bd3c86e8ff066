#pragma once
// The TLS listener's side of a handshake, for the session before its first request.
#include <boost/asio/awaitable.hpp>

#include "http/client_connection.hpp"

namespace cutover::http {

class Worker;

// Sets up `client.tls` with the certificates of the snapshot current now (kept alive meanwhile:
// the SNI callback reads them) and runs the handshake under limits.header_timeout. False when
// it failed (counted, and logged unless the client just hung up) or the config has no `tls:`
// any more: the connection is then closed.
boost::asio::awaitable<bool> accept_tls(Worker& worker, ClientConnection& client);

}  // namespace cutover::http
