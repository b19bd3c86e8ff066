#pragma once
// Per-worker pool of keep-alive connections to upstream endpoints. One per worker thread, so it
// takes no locks. Keyed by endpoint address (not backend name) so pools stay warm across reloads
// for endpoints that did not change.
//
// An endpoint may be limited to a number of open connections (a backend's
// max_connections_per_endpoint: a legacy app with a few worker processes gains nothing from a
// thousand connections). A request that finds them all busy waits in the endpoint's queue, in
// arrival order, for one to come back from the request before it (handed over without going
// idle) or for one to close (then it may open its own).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "cutover/common/warm_blocks.hpp"

namespace cutover::upstream {

class Pool;
struct EndpointState;

struct Connection {
  explicit Connection(boost::asio::any_io_executor executor) : stream(std::move(executor)) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  boost::beast::tcp_stream stream;
  ReadBuffer buffer;  // bytes read past the previous response (normally none)
  boost::asio::ip::tcp::endpoint endpoint;
  std::chrono::steady_clock::time_point idle_since{};
  bool reused = false;  // came from the pool: a failure before any response byte is retryable

 private:
  friend class Pool;
  Pool* pool_ = nullptr;  // counted in home_'s open connections until destroyed
  EndpointState* home_ = nullptr;
};

struct WaiterLink {
  WaiterLink* prev = this;
  WaiterLink* next = this;
};

// A request queued for a connection to one endpoint. It lives in the waiting coroutine's frame;
// the pool settles it (a connection handed over, leave to connect, or timed out) and then calls
// resume() from a posted handler, never inline. A suspended coroutine is owned by whatever will
// resume it, here the waiter in its own frame: abandon() lets that go when it will never be
// resumed (the worker shuts down), which destroys the frame and the waiter with it.
class Waiter : private WaiterLink {
 public:
  enum class Result { waiting, handed, may_connect, timed_out };
  Waiter() = default;
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;

  Result result() const { return result_; }
  std::unique_ptr<Connection> take_connection() { return std::move(connection_); }
  // True when leave to connect was given and not yet used: Pool::connect(..., reserved = true).
  bool holds_reservation() const { return reserved_; }

 protected:
  virtual ~Waiter();  // leaves the queue; gives back a leave to connect it did not use
  virtual void resume() = 0;
  virtual void abandon() = 0;

 private:
  friend class Pool;
  Pool* pool_ = nullptr;
  EndpointState* home_ = nullptr;
  Result result_ = Result::waiting;
  bool reserved_ = false;
  std::unique_ptr<Connection> connection_;
};

struct EndpointState {
  std::vector<std::unique_ptr<Connection>> idle;
  std::size_t open = 0;   // connections open or opening, idle ones included, plus leaves to connect given
  std::size_t limit = 0;  // the latest max_connections_per_endpoint asked with; 0: none
  WaiterLink queue;       // sentinel: oldest waiter first
};

struct EndpointHash {
  std::size_t operator()(const boost::asio::ip::tcp::endpoint& e) const noexcept;
};

struct PoolStats {
  std::uint64_t connects = 0;
  std::uint64_t reuses = 0;
  std::uint64_t idle = 0;
  std::uint64_t handed_over = 0;  // connections given straight to a queued request
};

class Pool {
 public:
  explicit Pool(boost::asio::any_io_executor executor);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A pooled connection idle for less than `max_idle`, or nullptr. With `probe`, connections the
  // peer already closed are detected (one non-blocking peek) and dropped: used before sending a
  // request body, which could not be replayed after a failure.
  std::unique_ptr<Connection> take_idle(const boost::asio::ip::tcp::endpoint& endpoint,
                                        std::chrono::steady_clock::time_point now,
                                        std::chrono::milliseconds max_idle, bool probe);

  // True when a new connection to `endpoint` may be opened now under `limit` (0: no limit) and
  // nobody is queued before the caller. Records `limit` for the endpoint: a reload's new value
  // applies from the next request on.
  bool has_room(const boost::asio::ip::tcp::endpoint& endpoint, std::size_t limit);

  // Queues `waiter` behind the endpoint's earlier waiters. Call only after has_room() said no.
  void enqueue(const boost::asio::ip::tcp::endpoint& endpoint, Waiter& waiter);

  // The waiter's deadline passed: it leaves the queue as timed_out (nothing, if already settled).
  void expire(Waiter& waiter);

  // Opens a new connection; ec is timed_out when `timeout` passes first. `reserved`: the caller
  // is a waiter given leave to connect, whose place is already counted (its reservation is used).
  boost::asio::awaitable<std::unique_ptr<Connection>> connect(
      const boost::asio::ip::tcp::endpoint& endpoint, std::chrono::milliseconds timeout,
      boost::system::error_code& ec, Waiter* reserved = nullptr);

  // Hands `connection` to the endpoint's oldest waiter, or keeps it for reuse if fewer than
  // `max_idle_per_endpoint` are idle there.
  void give_back(std::unique_ptr<Connection> connection, std::size_t max_idle_per_endpoint,
                 std::chrono::steady_clock::time_point now);

  // Closes everything idle (shutdown).
  void clear();
  // Lets go of every queued request's coroutine (shutdown, before the io_context goes).
  void abandon_waiters();
  const PoolStats& stats() const { return stats_; }
  // Requests queued for a connection right now (a gauge, read from other threads).
  std::size_t waiting() const { return waiting_.load(std::memory_order_relaxed); }

 private:
  friend struct Connection;
  friend class Waiter;
  // The endpoint's state; the last one asked for is kept at hand (one backend's requests ask for
  // the same endpoint two or three times each).
  EndpointState& state_of(const boost::asio::ip::tcp::endpoint& endpoint);
  void closed(EndpointState& home);  // a connection (or an unused leave to connect) is gone
  void admit_while_room(EndpointState& home);
  void leave_queue(Waiter& waiter, Waiter::Result result);
  void settle(Waiter& waiter, Waiter::Result result);  // leaves the queue, then resumes (posted)
  static void unlink(WaiterLink& node);

 public:  // for the posted handler that resumes a settled waiter
  static void resume(Waiter& waiter);
  static void abandon(Waiter& waiter);

 private:

  boost::asio::any_io_executor executor_;
  // The same executor unwrapped when it is an io_context's (a worker's): posting through
  // any_io_executor's type erasure cost ~350 instructions per queued request (step 28).
  std::optional<boost::asio::io_context::executor_type> io_executor_;
  std::unordered_map<boost::asio::ip::tcp::endpoint, EndpointState, EndpointHash> endpoints_;
  EndpointState* last_state_ = nullptr;
  boost::asio::ip::tcp::endpoint last_endpoint_;
  PoolStats stats_;
  std::atomic<std::size_t> waiting_{0};
};

}  // namespace cutover::upstream
