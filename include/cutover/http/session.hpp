#pragma once
// One client connection: reads requests (each with a header timeout and size limit), runs an
// exchange per request, keeps the connection alive while both sides want it.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace cutover::http {

class Worker;

// `tls`: the connection came to the TLS listener, and its handshake comes first.
boost::asio::awaitable<void> run_session(Worker& worker, boost::asio::ip::tcp::socket socket, bool tls = false);

}  // namespace cutover::http
