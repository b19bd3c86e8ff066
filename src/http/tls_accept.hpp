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

// A connection to the TLS listener: its handshake, then the session as on the plain listener,
// in a frame of its own so that plain connections carry none of this. (In its own file: GCC 12
// mis-copies the connection into this frame when it inlines it into run_session.)
boost::asio::awaitable<void> serve_tls(Worker& worker, ClientConnection client);

// The session of an accepted connection (session.cpp).
boost::asio::awaitable<void> serve(Worker& worker, ClientConnection client);

}  // namespace cutover::http
