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
//
// The pool closes what it no longer uses (idle_policy.hpp): a sweep, armed while anything is
// idle, closes idle connections past their endpoint's idle_timeout, those the backend closed or
// wrote to while idle, and those to endpoints the current config no longer names (configure()).
// A busy connection to such an endpoint finishes its exchange and is closed when it comes back.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/intrusive/list.hpp>

#include "cutover/common/read_buffer.hpp"
#include "cutover/tls/channel.hpp"
#include "cutover/upstream/admission.hpp"
#include "cutover/upstream/idle_policy.hpp"

namespace cutover::upstream {

class Pool;
struct EndpointState;

struct Connection {
  explicit Connection(boost::asio::any_io_executor executor) : socket(std::move(executor)) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  boost::asio::ip::tcp::socket socket;  // non-blocking, no Nagle, once connected
  ReadBuffer buffer;  // bytes read past the previous response (normally none)
  std::unique_ptr<tls::Channel> tls;  // a TLS backend's record layer; null: plain TCP
  std::uint64_t tls_identity = 0;     // tls::ClientContext::identity it was made with; 0: plain TCP
  boost::asio::ip::tcp::endpoint endpoint;
  std::chrono::steady_clock::time_point idle_since{};
  bool reused = false;  // came from the pool: a failure before any response byte is retryable

 private:
  friend class Pool;
  Pool* pool_ = nullptr;  // counted in home_'s open connections until destroyed
  EndpointState* home_ = nullptr;
};

// A request queued for a connection to one endpoint. It lives in the waiting coroutine's frame;
// the pool settles it (a connection handed over, leave to connect, or timed out) and then calls
// resume() from a posted handler, never inline. A suspended coroutine is owned by whatever will
// resume it, here the waiter in its own frame: abandon() lets that go when it will never be
// resumed (the worker shuts down), which destroys the frame and the waiter with it.
class Waiter {
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
  friend struct EndpointState;  // names queue_hook_ for its queue
  // In its endpoint's queue while waiting. auto_unlink: a waiter destroyed in the queue leaves it.
  boost::intrusive::list_member_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> queue_hook_;
  Pool* pool_ = nullptr;
  EndpointState* home_ = nullptr;
  Result result_ = Result::waiting;
  bool reserved_ = false;
  std::unique_ptr<Connection> connection_;
};

// An endpoint's idle_timeout when no configure() named it (a pool used on its own, in tests).
inline constexpr std::chrono::milliseconds kDefaultIdleTimeout{30'000};

struct EndpointState {
  std::vector<std::unique_ptr<Connection>> idle;
  std::size_t open = 0;   // connections open or opening, idle ones included, plus leaves to connect given
  std::size_t limit = 0;  // the latest max_connections_per_endpoint asked with; 0: none
  // Oldest waiter first.
  boost::intrusive::list<Waiter,
                         boost::intrusive::member_hook<Waiter, decltype(Waiter::queue_hook_), &Waiter::queue_hook_>,
                         boost::intrusive::constant_time_size<false>>
      queue;
  std::size_t waiting = 0;  // in `queue` (whose size() would walk it)
  std::chrono::milliseconds idle_timeout = kDefaultIdleTimeout;  // from configure()
  bool retired = false;   // the config no longer sends here: nothing is kept idle
  // Gauges for /metrics: written by the worker only, read by scrapes on other threads.
  std::atomic<std::size_t> sockets{0};       // connections open or connecting
  std::atomic<std::size_t> idle_sockets{0};  // of those, idle in `idle`
};

// An endpoint the current config sends to, with its backend's idle_timeout.
struct EndpointPolicy {
  boost::asio::ip::tcp::endpoint endpoint;
  std::chrono::milliseconds idle_timeout = kDefaultIdleTimeout;
};

// One endpoint's connections right now, for /metrics.
struct EndpointConnections {
  boost::asio::ip::tcp::endpoint endpoint;
  std::size_t open = 0;  // idle ones included
  std::size_t idle = 0;
};

// What a pool's sweep timer needs from its owner (the worker).
struct SweepHooks {
  // Runs at the start of each sweep: the worker picks up a config published since its last
  // request and configure()s the pool with it, so a reload with no traffic after it still
  // closes the idle connections to the endpoints it removed.
  std::function<void()> before;
  // Whether an idle socket was closed by its peer or written to (idle_policy.hpp). Null: a
  // recv(MSG_PEEK) on each one, every sweep.
  bool (*peer_gone)(boost::asio::ip::tcp::socket&) = nullptr;
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

// Connections the pool closed instead of keeping, by PoolClose (a counter, read from other threads).
using PoolCloses = std::array<std::uint64_t, kPoolCloseCount>;

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

  // A new connection to `endpoint`, counted against its limit from now on, its socket not yet
  // connected: the caller connects it under its own deadline (the data path's are the worker's,
  // http/upstream_acquire.hpp) and calls connected(), or drops it. `reserved`: the caller is a
  // waiter given leave to connect, whose place is already counted (its reservation is used).
  std::unique_ptr<Connection> open(const boost::asio::ip::tcp::endpoint& endpoint, Waiter* reserved = nullptr);
  // The connect succeeded: counted, and the socket set up as the data path uses it.
  void connected(Connection& connection);

  // Hands `connection` to the endpoint's oldest waiter, or keeps it for reuse if fewer than
  // `max_idle_per_endpoint` are idle there and the endpoint is not retired.
  void give_back(std::unique_ptr<Connection> connection, std::size_t max_idle_per_endpoint,
                 std::chrono::steady_clock::time_point now);

  // The endpoints the current config sends to. Every other endpoint is retired: its idle
  // connections close now, its busy ones when they come back. A request still running on an
  // older config may use a retired endpoint; it just leaves nothing idle there.
  void configure(std::span<const EndpointPolicy> endpoints);

  // Closes the idle connections that are past their time, to a retired endpoint, or whose socket
  // says the backend closed it or wrote to it (hooks' peer_gone).
  void sweep(std::chrono::steady_clock::time_point now);

  // From now on, sweeps every kSweepInterval while anything is idle. Call stop_sweeping() before
  // the io_context goes: the timer lives on it.
  void start_sweeping(SweepHooks hooks);
  void stop_sweeping();

  // Closes everything idle (shutdown).
  void clear();
  // Lets go of every queued request's coroutine (shutdown, before the io_context goes).
  void abandon_waiters();
  const PoolStats& stats() const { return stats_; }
  // Requests queued for a connection right now (a gauge, read from other threads).
  std::size_t waiting() const { return waiting_.load(std::memory_order_relaxed); }
  // Any thread: appends each endpoint with a connection open (a gauge for /metrics).
  void connections(std::vector<EndpointConnections>& out) const;
  // Any thread: connections closed instead of kept, by reason (counters for /metrics).
  PoolCloses closes() const;

 private:
  friend struct Connection;
  friend class Waiter;
  // The endpoint's state; the last one asked for is kept at hand (one backend's requests ask for
  // the same endpoint two or three times each).
  EndpointState& state_of(const boost::asio::ip::tcp::endpoint& endpoint);
  void apply_policy(const boost::asio::ip::tcp::endpoint& endpoint, EndpointState& home) const;
  void closed(EndpointState& home);  // a connection (or an unused leave to connect) is gone
  void socket_closed(EndpointState& home);  // a connection is gone: its socket, then its place
  void count_close(PoolClose reason, std::size_t n = 1);
  void idle_count_changed(EndpointState& home);
  bool quiet(boost::asio::ip::tcp::socket& socket) const;
  void sweep_endpoint(EndpointState& home, std::chrono::steady_clock::time_point now);
  void forget_unused_retired();  // drops the state of retired endpoints nothing refers to
  void arm_sweep();
  void admit_while_room(EndpointState& home);
  EndpointCounts counts_of(const EndpointState& home) const;
  void leave_queue(Waiter& waiter, Waiter::Result result);
  void settle(Waiter& waiter, Waiter::Result result);  // leaves the queue, then resumes (posted)

 public:  // for the posted handler that resumes a settled waiter
  static void resume(Waiter& waiter);
  static void abandon(Waiter& waiter);

 private:

  boost::asio::any_io_executor executor_;
  // The same executor unwrapped when it is an io_context's (a worker's): posting through
  // any_io_executor's type erasure cost ~350 instructions per queued request (callgrind).
  std::optional<boost::asio::io_context::executor_type> io_executor_;
  // Changed only by the worker; scrapes on other threads iterate it. So the worker takes
  // states_mutex_ to add or erase a state (once per new endpoint, or per endpoint retired) and
  // scrapes take it to read; the worker's lookups, like the scrapes, only read the map.
  std::unordered_map<boost::asio::ip::tcp::endpoint, EndpointState, EndpointHash> endpoints_;
  mutable std::mutex states_mutex_;
  EndpointState* last_state_ = nullptr;
  boost::asio::ip::tcp::endpoint last_endpoint_;
  PoolStats stats_;
  std::atomic<std::size_t> waiting_{0};
  std::array<std::atomic<std::uint64_t>, kPoolCloseCount> closes_{};
  // The latest configure(): endpoints with their idle_timeout. Before any, every endpoint is live.
  std::unordered_map<boost::asio::ip::tcp::endpoint, std::chrono::milliseconds, EndpointHash> policies_;
  bool configured_ = false;
  // The sweep: armed while anything is idle, once start_sweeping() was called.
  std::optional<boost::asio::steady_timer> sweep_timer_;
  SweepHooks hooks_;
  bool sweep_armed_ = false;
};

}  // namespace cutover::upstream
