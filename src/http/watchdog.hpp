#pragma once
// Deadlines for the data path's socket waits, kept in user space. beast::tcp_stream arms an Asio
// timer for every read and write, and Asio reprograms its timerfd whenever the earliest deadline
// moves: 2-3 timerfd_settime calls per proxied request (docs/archive/performance-log.md). Here
// a wait links a Watch (a deadline and the socket it guards) into its worker's Watchdog, and one
// timer per worker cancels the sockets whose deadline passed.
//
// The Watchdog is a hashed timing wheel: a Watch goes into the slot of the 16 ms tick its
// deadline falls in (4,096 slots, a 65 s turn), so linking and unlinking cost O(1), and the timer
// looks only at the slots whose ticks have ended, where everything is due except watches a turn
// or more later, which stay. A scan of every watch on each expiry would cost O(connections) per
// expiry: with 10,000 connections timing out one after another, that was 45% of a worker's CPU
// (docs/archive/performance-log.md). The timer is armed for the end of the earliest non-empty
// slot, so it rests while deadlines are far off, and a deadline fires up to one tick (16 ms)
// after it passed.
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

namespace cutover::http {

class Watchdog;

struct WatchLink {
  WatchLink* prev = this;
  WatchLink* next = this;
};

// What a deadline does to a wait that is not on a socket (a request queued for a backend
// connection): called from the watchdog's timer, it must not resume the waiter inline.
class Expiry {
 public:
  virtual void expired() = 0;

 protected:
  virtual ~Expiry() = default;
};

// Guards one wait on `socket` for `timeout` while it is alive (a local in the waiting coroutine).
class Watch : private WatchLink {
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
  Clock::time_point due_;
  bool expired_ = false;
};

class Watchdog {
 public:
  using Clock = Watch::Clock;
  static constexpr std::chrono::milliseconds kTick{16};
  static constexpr std::size_t kSlots = 4096;

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
  void link(Watch& watch);
  static void unlink(WatchLink& node);
  void forget(Watch& watch);  // the Watch goes away, or its deadline fired
  void arm(std::int64_t tick);
  void on_timer();
  static std::int64_t tick_of(Clock::time_point time);
  static constexpr std::int64_t kNotArmed = INT64_MAX;

  std::optional<boost::asio::steady_timer> timer_;
  std::array<WatchLink, kSlots> slots_;   // sentinels of circular lists
  std::int64_t done_through_ = 0;         // the slots of ticks up to this one have been looked at
  std::int64_t armed_for_ = kNotArmed;    // the timer fires when this tick ends
  std::size_t count_ = 0;
};

}  // namespace cutover::http
