#include "http/header_read.hpp"

#include "cutover/http/worker.hpp"
#include "http/parse_io.hpp"

namespace cutover::http {

boost::asio::awaitable<boost::system::error_code> read_more_header(Worker& worker, ClientConnection& client) {
  const auto due = client.request_started + client.snapshot->config.limits.header_timeout;
  co_return co_await fill(worker.watchdog(), client.stream(), client.buffer, time_left(worker.watchdog(), due));
}

}  // namespace cutover::http
