#include "http/parse_io.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace cutover::http {

boost::system::error_code read_arrived(boost::asio::ip::tcp::socket& socket, ReadBuffer& buffer,
                                       std::size_t min_room) {
  if (!next_read_is_tried_at_once(socket)) return boost::asio::error::would_block;
  const auto room = read_room(buffer, min_room);
  boost::system::error_code ec;
  const std::size_t n = socket.read_some(room, ec);  // the socket is non-blocking
  buffer.commit(n);
  // Found empty just now, and no event can have been handled since: the next read waits for one.
  if (ec == boost::asio::error::would_block || (!ec && n < room.size())) next_read_waits_for_event(socket);
  return ec;
}

boost::asio::awaitable<boost::system::error_code> fill(Watchdog& watchdog, boost::asio::ip::tcp::socket& socket,
                                                       ReadBuffer& buffer,
                                                       std::chrono::milliseconds timeout, std::size_t min_room) {
  if (auto ec = read_arrived(socket, buffer, min_room); ec != boost::asio::error::would_block) co_return ec;
  EventRead read(watchdog, socket, buffer, timeout, min_room);
  auto [ec, n] = co_await read.start();
  co_return read.finish(ec, n);
}

}  // namespace cutover::http
