#pragma once
// Deadlines for the data path's socket waits, kept in user space. beast::tcp_stream arms an Asio
// timer for every read and write, and Asio reprograms its timerfd whenever the earliest deadline
// moves: 2-3 timerfd_settime calls per proxied request (docs/performance.md). Here a wait links a
// Watch (a deadline and the socket it guards) into its worker's list, and one timer per worker,
// armed for the earliest deadline it knows of, sweeps the list when it fires and cancels the
// sockets whose deadline passed. Deadlines only move later as connections make progress, so the
// timer is re-armed rarely: normally once per shortest timeout, not once per read.
//
// A timed-out socket is cancelled, not closed: the client side can still be answered with 408.
// Single-threaded, like everything in a worker.
#include <chrono>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

namespace cutover::http {

class Watchdog;

struct WatchLink {
  WatchLink* prev = this;
  WatchLink* next = this;
};

// Guards one wait on `socket` for `timeout` while it is alive (a local in the waiting coroutine).
class Watch : private WatchLink {
 public:
  using Clock = std::chrono::steady_clock;
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
  Watchdog* watchdog_ = nullptr;  // null: no deadline (a zero timeout), not linked
  boost::asio::ip::tcp::socket* socket_;
  Clock::time_point due_;
  bool expired_ = false;
};

class Watchdog {
 public:
  explicit Watchdog(boost::asio::io_context& io);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Drops the timer while its io_context is still alive (Worker teardown). Watches may still
  // unlink afterwards; none may be added.
  void shutdown();
  std::size_t watching() const { return count_; }

 private:
  friend class Watch;
  using Clock = Watch::Clock;
  void link(Watch& watch);
  void unlink(Watch& watch);
  void arm(Clock::time_point due);
  void sweep();

  std::optional<boost::asio::steady_timer> timer_;
  Clock::time_point armed_ = Clock::time_point::max();
  WatchLink head_;  // sentinel of a circular list
  std::size_t count_ = 0;
};

}  // namespace cutover::http
