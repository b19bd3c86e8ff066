#pragma once
// A pooled connection for the pool's own tests: the pool leaves connecting, and its deadline, to
// its caller (the data path's is http/upstream_acquire.hpp); a listener on loopback takes a
// blocking connect at once.
#include <gtest/gtest.h>

#include <memory>

#include "cutover/upstream/pool.hpp"

namespace cutover::upstream {

inline std::unique_ptr<Connection> connect_now(Pool& pool, const boost::asio::ip::tcp::endpoint& endpoint,
                                               Waiter* reserved = nullptr) {
  auto connection = pool.open(endpoint, reserved);
  boost::system::error_code ec;
  connection->socket.connect(endpoint, ec);
  EXPECT_FALSE(ec) << ec.message();
  if (ec) return nullptr;
  pool.connected(*connection);
  return connection;
}

}  // namespace cutover::upstream
