#pragma once
// One end of a connection as the data path reads and writes it: the socket, and for a TLS
// connection its record layer (tls/channel.hpp). Reads (parse_io.hpp) and writes (wire.hpp) take
// a Stream and do what its kind needs; the rest (deadlines, shutdown, addresses) is the socket's.
#include <boost/asio/ip/tcp.hpp>

#include "cutover/tls/channel.hpp"
#include "cutover/upstream/pool.hpp"

namespace cutover::http {

struct Stream {
  // A plain socket is a Stream too.
  Stream(boost::asio::ip::tcp::socket& s, tls::Channel* t = nullptr) : socket(s), tls(t) {}  // NOLINT(google-explicit-constructor)
  boost::asio::ip::tcp::socket& socket;
  tls::Channel* tls;
};

inline Stream stream_of(upstream::Connection& connection) { return {connection.socket, connection.tls.get()}; }

}  // namespace cutover::http
