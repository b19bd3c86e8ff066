#pragma once
// Two connected TCP sockets on 127.0.0.1 (port 0), both non-blocking as the data path uses them.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace cutover::http {

struct SocketPair {
  explicit SocketPair(boost::asio::io_context& io) : near(io), far(io) {
    using boost::asio::ip::tcp;
    tcp::acceptor acceptor(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    near.connect(acceptor.local_endpoint());
    acceptor.accept(far);
    near.non_blocking(true);
    far.non_blocking(true);
  }
  boost::asio::ip::tcp::socket near;
  boost::asio::ip::tcp::socket far;
};

}  // namespace cutover::http
