#pragma once
// The session's read of a request header that did not come whole in one read.
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include "http/client_connection.hpp"

namespace cutover::http {

class Worker;

// More of the current request's header into `client.buffer`, within header_timeout of its first
// bytes (client.request_started, under client.snapshot's limits). Two arguments, where fill()
// takes five: each argument of a call that suspends takes a place in the caller's frame, and
// the session's frame is held by every connection. (In a file of its own: GCC 12 miscompiles the
// session when it inlines a coroutine of its translation unit into it.)
boost::asio::awaitable<boost::system::error_code> read_more_header(Worker& worker, ClientConnection& client);

}  // namespace cutover::http
