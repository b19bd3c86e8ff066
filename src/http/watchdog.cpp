#include "http/watchdog.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>

namespace cutover::http {

Watch::Watch(Watchdog& watchdog, boost::asio::ip::tcp::socket& socket, std::chrono::milliseconds timeout)
    : Watch(watchdog, socket, timeout.count() <= 0 ? Clock::time_point::max() : watchdog.now() + timeout) {}

Watch::Watch(Watchdog& watchdog, boost::asio::ip::tcp::socket& socket, Clock::time_point due_at) : socket_(&socket) {
  due = due_at;
  link_unless_endless(watchdog);
}

Watch::Watch(Watchdog& watchdog, Expiry& expiry, Clock::time_point due_at) : expiry_(&expiry) {
  due = due_at;
  link_unless_endless(watchdog);
}

void Watch::link_unless_endless(Watchdog& watchdog) {
  if (due == Clock::time_point::max()) return;  // no deadline
  watchdog_ = &watchdog;
  watchdog.link(*this);
}

Watch::~Watch() {
  if (watchdog_) watchdog_->forget(*this);
}

boost::system::error_code Watch::result(const boost::system::error_code& ec) const {
  // A wait that completed just before its deadline was swept keeps its success.
  if (expired_ && ec == boost::asio::error::operation_aborted) {
    return make_error_code(boost::beast::error::timeout);
  }
  return ec;
}

Watchdog::Watchdog(boost::asio::io_context& io, const Clock::time_point* manual_now)
    : timer_(std::in_place, io), manual_now_(manual_now) {}

Watchdog::~Watchdog() = default;

void Watchdog::shutdown() {
  timer_.reset();
  armed_for_ = INT64_MIN;  // never arm again
}

void Watchdog::link(Watch& watch) {
  const std::int64_t tick = wheel_.add(watch);
  if (tick < armed_for_) arm(tick);
}

void Watchdog::forget(Watch& watch) {
  wheel_.remove(watch);
  watch.watchdog_ = nullptr;
}

void Watchdog::arm(std::int64_t tick) {
  // On a manual clock the test moves time and calls expire_due(); a timer on the real clock
  // would fire on real time and find nothing due, again and again.
  if (!timer_ || manual_now_) return;
  armed_for_ = tick;
  timer_->expires_at(DeadlineWheel::end_of(tick));  // cancels a wait for later: it sees aborted
  timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted) return;
    on_timer();
  });
}

void Watchdog::on_timer() {
  armed_for_ = kNotArmed;
  expire_due();
}

void Watchdog::expire_due() {
  wheel_.expire(now(), [](DeadlineWheel::Entry& entry) {
    // The wait completes with operation_aborted (posted, never inline), and its Watch says why.
    auto& watch = static_cast<Watch&>(entry);
    watch.watchdog_ = nullptr;
    watch.expired_ = true;
    if (watch.expiry_) {
      watch.expiry_->expired();
      return;
    }
    boost::system::error_code ignored;
    watch.socket_->cancel(ignored);
  });
  // Else it rests until the next link. Called by hand, the timer may already be armed earlier.
  if (const auto tick = wheel_.next_tick(); tick && *tick < armed_for_) arm(*tick);
}

}  // namespace cutover::http
