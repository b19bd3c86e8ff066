#pragma once
// Deadlines for the data path's socket waits, kept in user space. beast::tcp_stream arms an Asio
// timer for every read and write, and Asio reprograms its timerfd whenever the earliest deadline
// moves: 2-3 timerfd_settime calls per proxied request (docs/archive/performance-log.md). Here
// a wait links a Watch (a deadline and the socket it guards) into its worker's Watchdog: a
// timing wheel (deadline_wheel.hpp) and one timer per worker, armed for the end of the earliest
// non-empty slot, so it rests while deadlines are far off; a deadline fires up to one tick
// (16 ms) after it passed.
//
// A timed-out socket is cancelled, not closed: the client side can still be answered with 408.
// Single-threaded, like everything in a worker.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include "http/deadline_wheel.hpp"

namespace cutover::http {

class Watchdog;

// What a deadline does to a wait that is not on a socket (a request queued for a backend
// connection): called from the watchdog's timer, it must not resume the waiter inline.
class Expiry {
 public:
  virtual void expired() = 0;

 protected:
  virtual ~Expiry() = default;
};

// Guards one wait on `socket` for `timeout` while it is alive (a local in the waiting coroutine).
class Watch : private DeadlineWheel::Entry {
 public:
  using Clock = std::chrono::steady_clock;
  // A wait that is not on a socket: at `due`, `expiry` is told instead of a socket cancelled.
  Watch(Watchdog& watchdog, Expiry& expiry, Clock::time_point due);
  Watch(Watchdog& watchdog, boost::asio::ip::tcp::socket& socket, std::chrono::milliseconds timeout);
  // A deadline the caller already has (one clock reading shared by several waits); max(): none.
  Watch(Watchdog& watchdog, boost::asio::ip::tcp::socket& socket, Clock::time_point due);
  ~Watch();
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  bool expired() const { return expired_; }
  // The wait's result as its caller should see it: a cancellation caused by this deadline is
  // beast::error::timeout, anything else passes through.
  boost::system::error_code result(const boost::system::error_code& ec) const;

 private:
  friend class Watchdog;
  void link_unless_endless(Watchdog& watchdog);
  Watchdog* watchdog_ = nullptr;  // null: not linked (no deadline, or it already fired)
  boost::asio::ip::tcp::socket* socket_ = nullptr;
  Expiry* expiry_ = nullptr;
  bool expired_ = false;
};

class Watchdog {
 public:
  using Clock = Watch::Clock;

  // `manual_now`: a clock the session test tier sets by hand (null: the steady clock).
  explicit Watchdog(boost::asio::io_context& io, const Clock::time_point* manual_now = nullptr);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Drops the timer while its io_context is still alive (Worker teardown). Watches may still
  // unlink afterwards; none may be added.
  void shutdown();
  std::size_t watching() const { return wheel_.size(); }

  // The data path's monotonic time. Every deadline and duration of a session is read here, so a
  // worker on a manual clock runs each of them without sleeping.
  Clock::time_point now() const { return manual_now_ ? *manual_now_ : Clock::now(); }
  // Ends the waits whose deadline has passed: the timer's work, and what the session test tier
  // calls after it moves its clock.
  void expire_due();

 private:
  friend class Watch;
  void link(Watch& watch);
  void forget(Watch& watch);  // the Watch goes away
  void arm(std::int64_t tick);
  void on_timer();
  static constexpr std::int64_t kNotArmed = INT64_MAX;

  std::optional<boost::asio::steady_timer> timer_;
  DeadlineWheel wheel_;
  std::int64_t armed_for_ = kNotArmed;  // the timer fires when this tick ends
  const Clock::time_point* manual_now_;
};

}  // namespace cutover::http
