#include "http/linger.hpp"

#include "cutover/http/worker.hpp"
#include "http/parse_io.hpp"
#include "http/watchdog.hpp"
#include "http/wire.hpp"

namespace cutover::http {

namespace asio = boost::asio;

// Closing a socket with unread bytes makes the kernel answer with a reset, and a reset that
// arrives before the client has read the reply can destroy it there. So, as nginx's lingering
// close does, the gateway reads and discards until the client closes too, for at most
// kLingerTime and kLingerBytes: these bytes count against a limit like any other.
constexpr std::chrono::milliseconds kLingerTime{1000};
constexpr std::size_t kLingerBytes = 256 * 1024;

asio::awaitable<void> linger_before_close(Worker& worker, ClientConnection& client) {
  boost::system::error_code ec;
  shutdown_send(client.stream());
  const auto due = worker.watchdog().now() + kLingerTime;
  std::size_t discarded = 0;
  while (!ec && discarded < kLingerBytes) {
    discarded += client.buffer.size();
    client.buffer.consume(client.buffer.size());
    ec = read_arrived(client.stream(), client.buffer);
    if (ec == asio::error::would_block) {
      EventRead read(worker.watchdog(), client.stream(), client.buffer, due);
      auto [read_ec, n] = co_await read.start();
      ec = read.finish(read_ec, n);
    }
  }
}

}  // namespace cutover::http
