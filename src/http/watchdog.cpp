#include "http/watchdog.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>

namespace cutover::http {

Watch::Watch(Watchdog& watchdog, boost::asio::ip::tcp::socket& socket, std::chrono::milliseconds timeout)
    : Watch(watchdog, socket, timeout.count() <= 0 ? Clock::time_point::max() : Clock::now() + timeout) {}

Watch::Watch(Watchdog& watchdog, boost::asio::ip::tcp::socket& socket, Clock::time_point due)
    : socket_(&socket), due_(due) {
  if (due == Clock::time_point::max()) return;  // no deadline
  watchdog_ = &watchdog;
  watchdog.link(*this);
}

Watch::~Watch() {
  if (watchdog_) watchdog_->unlink(*this);
}

boost::system::error_code Watch::result(const boost::system::error_code& ec) const {
  // A wait that completed just before its deadline was swept keeps its success.
  if (expired_ && ec == boost::asio::error::operation_aborted) {
    return make_error_code(boost::beast::error::timeout);
  }
  return ec;
}

Watchdog::Watchdog(boost::asio::io_context& io) : timer_(std::in_place, io) {}

Watchdog::~Watchdog() = default;

void Watchdog::shutdown() {
  timer_.reset();
  armed_ = Clock::time_point::min();  // never arm again
}

void Watchdog::link(Watch& watch) {
  WatchLink& node = watch;
  node.prev = head_.prev;
  node.next = &head_;
  head_.prev->next = &node;
  head_.prev = &node;
  ++count_;
  if (watch.due_ < armed_) arm(watch.due_);
}

void Watchdog::unlink(Watch& watch) {
  WatchLink& node = watch;
  node.prev->next = node.next;
  node.next->prev = node.prev;
  node.prev = node.next = &node;
  --count_;
}

void Watchdog::arm(Clock::time_point due) {
  if (!timer_) return;
  armed_ = due;
  timer_->expires_at(due);  // cancels the wait armed for a later time; its handler sees aborted
  timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted) return;
    sweep();
  });
}

void Watchdog::sweep() {
  armed_ = Clock::time_point::max();
  const auto now = Clock::now();
  auto next = Clock::time_point::max();
  for (WatchLink* node = head_.next; node != &head_; node = node->next) {
    auto& watch = static_cast<Watch&>(*node);
    if (watch.expired_) continue;
    if (watch.due_ <= now) {
      // The wait completes with operation_aborted (posted, never inline), and its Watch says why.
      watch.expired_ = true;
      boost::system::error_code ignored;
      watch.socket_->cancel(ignored);
    } else if (watch.due_ < next) {
      next = watch.due_;
    }
  }
  if (next != Clock::time_point::max()) arm(next);
}

}  // namespace cutover::http
