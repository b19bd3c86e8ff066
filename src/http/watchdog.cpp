#include "http/watchdog.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>

namespace cutover::http {

Watch::Watch(Watchdog& watchdog, boost::asio::ip::tcp::socket& socket, std::chrono::milliseconds timeout)
    : Watch(watchdog, socket, timeout.count() <= 0 ? Clock::time_point::max() : Clock::now() + timeout) {}

Watch::Watch(Watchdog& watchdog, boost::asio::ip::tcp::socket& socket, Clock::time_point due)
    : socket_(&socket), due_(due) {
  link_unless_endless(watchdog);
}

Watch::Watch(Watchdog& watchdog, Expiry& expiry, Clock::time_point due) : expiry_(&expiry), due_(due) {
  link_unless_endless(watchdog);
}

void Watch::link_unless_endless(Watchdog& watchdog) {
  if (due_ == Clock::time_point::max()) return;  // no deadline
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

Watchdog::Watchdog(boost::asio::io_context& io) : timer_(std::in_place, io) {}

Watchdog::~Watchdog() = default;

void Watchdog::shutdown() {
  timer_.reset();
  armed_for_ = INT64_MIN;  // never arm again
}

std::int64_t Watchdog::tick_of(Clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() / kTick.count();
}

void Watchdog::link(Watch& watch) {
  // A deadline already passed goes into the next slot the timer looks at.
  const std::int64_t tick = std::max(tick_of(watch.due_), done_through_ + 1);
  WatchLink& head = slots_[static_cast<std::size_t>(tick) % kSlots];
  WatchLink& node = watch;
  node.prev = head.prev;
  node.next = &head;
  head.prev->next = &node;
  head.prev = &node;
  ++count_;
  if (tick < armed_for_) arm(tick);
}

void Watchdog::unlink(WatchLink& node) {
  node.prev->next = node.next;
  node.next->prev = node.prev;
  node.prev = node.next = &node;
}

void Watchdog::forget(Watch& watch) {
  unlink(watch);
  watch.watchdog_ = nullptr;
  --count_;
}

void Watchdog::arm(std::int64_t tick) {
  if (!timer_) return;
  armed_for_ = tick;
  timer_->expires_at(Clock::time_point(kTick * (tick + 1)));  // cancels a wait for later: it sees aborted
  timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted) return;
    on_timer();
  });
}

void Watchdog::on_timer() {
  armed_for_ = kNotArmed;
  const auto now = Clock::now();
  // The slots of ticks that have ended. After a long rest each slot is looked at once.
  const std::int64_t through = tick_of(now) - 1;
  const std::int64_t first = std::max(done_through_ + 1, through - static_cast<std::int64_t>(kSlots) + 1);
  for (std::int64_t t = first; t <= through; ++t) {
    WatchLink& head = slots_[static_cast<std::size_t>(t) % kSlots];
    for (WatchLink* node = head.next; node != &head;) {
      auto& watch = static_cast<Watch&>(*node);
      node = node->next;
      if (watch.due_ > now) continue;  // due a turn or more later
      // The wait completes with operation_aborted (posted, never inline), and its Watch says why.
      forget(watch);
      watch.expired_ = true;
      if (watch.expiry_) {
        watch.expiry_->expired();
        continue;
      }
      boost::system::error_code ignored;
      watch.socket_->cancel(ignored);
    }
  }
  done_through_ = std::max(done_through_, through);
  if (count_ == 0) return;  // rests until the next link
  for (std::int64_t t = done_through_ + 1;; ++t) {
    const WatchLink& head = slots_[static_cast<std::size_t>(t) % kSlots];
    if (head.next != &head) return arm(t);
  }
}

}  // namespace cutover::http
