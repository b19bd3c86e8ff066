#pragma once
// A TLS handshake over the data path's own reads and writes (parse_io.hpp, wire.hpp), under one
// deadline for the whole of it: the worker's Watchdog, no timer of its own.
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include "http/stream.hpp"
#include "http/watchdog.hpp"

namespace cutover::http {

// Runs `stream`'s handshake (stream.tls set up to accept or to connect) until it is done, fails,
// or `due` passes (beast::error::timeout). On a failure the alert OpenSSL wrote is sent if the
// kernel takes it at once.
boost::asio::awaitable<boost::system::error_code> handshake(Watchdog& watchdog, Stream stream,
                                                            Watch::Clock::time_point due);

}  // namespace cutover::http
