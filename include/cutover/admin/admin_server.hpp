#pragma once
// The admin listener: its own socket (loopback by default), served on the control thread next to
// signal handling, so a reload asked for over HTTP and one asked for by SIGHUP never race.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "cutover/admin/control_plane.hpp"

namespace cutover::admin {

class AdminServer {
 public:
  AdminServer(boost::asio::io_context& io, ControlPlane& control);
  // Binds and starts accepting; returns the bound endpoint (port 0 picks one). Throws on failure.
  boost::asio::ip::tcp::endpoint listen(const boost::asio::ip::tcp::endpoint& endpoint);
  void close();

 private:
  boost::asio::io_context& io_;
  ControlPlane& control_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace cutover::admin
