#include "http/parse_io.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace cutover::http {

boost::asio::awaitable<boost::system::error_code> fill(Watchdog& watchdog, boost::asio::ip::tcp::socket& socket,
                                                       boost::beast::flat_buffer& buffer,
                                                       std::chrono::milliseconds timeout, std::size_t min_room) {
  Watch watch(watchdog, socket, timeout);
  auto [ec, n] = co_await socket.async_read_some(read_room(buffer, min_room),
                                                 boost::asio::as_tuple(boost::asio::use_awaitable));
  buffer.commit(n);
  co_return watch.result(ec);
}

}  // namespace cutover::http
