#pragma once
// The lingering close after an error reply (as nginx's lingering_close).
#include <boost/asio/awaitable.hpp>

#include "http/client_connection.hpp"

namespace cutover::http {

class Worker;

// After an error reply that closes the connection while the client may still be sending (the
// rest of a refused body or head): stops writing, then reads and discards for a moment, so that
// the reply is not lost. The caller closes the socket afterwards.
boost::asio::awaitable<void> linger_before_close(Worker& worker, ClientConnection& client);

}  // namespace cutover::http
