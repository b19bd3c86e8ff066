#include "cutover/upstream/pool.hpp"

#include <sys/socket.h>

#include <boost/asio/post.hpp>

#include <utility>

namespace cutover::upstream {

namespace asio = boost::asio;
using asio::ip::tcp;

std::size_t EndpointHash::operator()(const tcp::endpoint& e) const noexcept {
  std::size_t h = std::hash<unsigned short>{}(e.port());
  if (e.address().is_v4()) return h ^ (std::hash<std::uint32_t>{}(e.address().to_v4().to_uint()) << 1);
  auto bytes = e.address().to_v6().to_bytes();
  for (auto b : bytes) h = h * 131 + b;
  return h;
}

namespace {

// True when the peer has closed or sent something unsolicited: either way, not reusable.
bool peer_gone(tcp::socket& socket) {
  char byte;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return peek_says_gone(n, n < 0 ? errno : 0);
}

}  // namespace

bool Pool::quiet(tcp::socket& socket) const {
  return !(hooks_.peer_gone ? hooks_.peer_gone(socket) : peer_gone(socket));
}

Connection::~Connection() {
  if (pool_) pool_->socket_closed(*home_);
}

Waiter::~Waiter() {
  if (!pool_) return;
  if (result_ == Result::waiting) {
    queue_hook_.unlink();
    --home_->waiting;
    pool_->waiting_.fetch_sub(1, std::memory_order_relaxed);
  }
  if (reserved_) pool_->closed(*home_);
}

Pool::Pool(asio::any_io_executor executor) : executor_(std::move(executor)) {
  if (const auto* io = executor_.target<asio::io_context::executor_type>()) io_executor_.emplace(*io);
}

Pool::~Pool() {
  // Idle connections count themselves out of their endpoint's state: close them while it exists.
  for (auto& [endpoint, state] : endpoints_) state.idle.clear();
}

std::unique_ptr<Connection> Pool::take_idle(const tcp::endpoint& endpoint,
                                            std::chrono::steady_clock::time_point now,
                                            std::chrono::milliseconds max_idle, bool probe) {
  auto& home = state_of(endpoint);
  auto& stack = home.idle;
  if (stack.empty()) return nullptr;
  std::unique_ptr<Connection> taken;
  // Most recently used first: it is the least likely to have been closed by the upstream.
  while (!stack.empty() && !taken) {
    std::unique_ptr<Connection> connection = std::move(stack.back());
    stack.pop_back();
    --stats_.idle;
    if (idle_expired(connection->idle_since, now, max_idle)) {
      count_close(PoolClose::idle_timeout);
      continue;
    }
    if (probe && peer_gone(connection->socket)) {
      count_close(PoolClose::backend_closed);
      continue;
    }
    connection->reused = true;
    ++stats_.reuses;
    taken = std::move(connection);
  }
  idle_count_changed(home);
  return taken;
}

EndpointState& Pool::state_of(const tcp::endpoint& endpoint) {
  if (last_state_ && last_endpoint_ == endpoint) return *last_state_;
  // Nodes stay put when the map grows; one is erased only when nothing refers to it
  // (forget_unused_retired), and then last_state_ is reset.
  auto found = endpoints_.find(endpoint);
  if (found == endpoints_.end()) {
    const std::lock_guard lock(states_mutex_);
    found = endpoints_.try_emplace(endpoint).first;
    apply_policy(endpoint, found->second);
  }
  last_state_ = &found->second;
  last_endpoint_ = endpoint;
  return *last_state_;
}

bool Pool::has_room(const tcp::endpoint& endpoint, std::size_t limit) {
  auto& home = state_of(endpoint);
  home.limit = limit;
  if (!home.queue.empty()) admit_while_room(home);
  return newcomer_may_connect(counts_of(home));
}

EndpointCounts Pool::counts_of(const EndpointState& home) const {
  return {home.open, home.limit, home.waiting};
}

void Pool::enqueue(const tcp::endpoint& endpoint, Waiter& waiter) {
  auto& home = state_of(endpoint);
  waiter.pool_ = this;
  waiter.home_ = &home;
  waiter.result_ = Waiter::Result::waiting;
  home.queue.push_back(waiter);
  ++home.waiting;
  waiting_.fetch_add(1, std::memory_order_relaxed);
}

void Pool::expire(Waiter& waiter) {
  if (waiter.pool_ != this || waiter.result_ != Waiter::Result::waiting) return;
  settle(waiter, Waiter::Result::timed_out);
}

namespace {

// Resumes a settled waiter on its own turn, not inside whoever settled it (a request that is
// finishing, a timer). Dropped unrun (the io_context shuts down), it abandons the waiter instead:
// nothing else would ever let go of the coroutine.
class Resume {
 public:
  explicit Resume(Waiter& waiter) : waiter_(&waiter) {}
  Resume(Resume&& other) noexcept : waiter_(std::exchange(other.waiter_, nullptr)) {}
  Resume& operator=(Resume&&) = delete;
  ~Resume() {
    if (waiter_) Pool::abandon(*std::exchange(waiter_, nullptr));
  }
  void operator()() { Pool::resume(*std::exchange(waiter_, nullptr)); }

 private:
  Waiter* waiter_;
};

}  // namespace

void Pool::resume(Waiter& waiter) { waiter.resume(); }
void Pool::abandon(Waiter& waiter) { waiter.abandon(); }

void Pool::leave_queue(Waiter& waiter, Waiter::Result result) {
  waiter.queue_hook_.unlink();
  --waiter.home_->waiting;
  waiting_.fetch_sub(1, std::memory_order_relaxed);
  waiter.result_ = result;
}

void Pool::settle(Waiter& waiter, Waiter::Result result) {
  leave_queue(waiter, result);
  if (io_executor_) {
    asio::post(*io_executor_, Resume(waiter));
  } else {
    asio::post(executor_, Resume(waiter));
  }
}

void Pool::abandon_waiters() {
  for (auto& [endpoint, home] : endpoints_) {
    while (!home.queue.empty()) {
      auto& waiter = home.queue.front();
      leave_queue(waiter, Waiter::Result::timed_out);
      abandon(waiter);  // destroys the waiter
    }
  }
}

void Pool::admit_while_room(EndpointState& home) {
  for (std::size_t n = waiters_to_admit(counts_of(home)); n > 0; --n) {
    auto& waiter = home.queue.front();
    ++home.open;  // its place is kept until it connects or gives the leave back
    waiter.reserved_ = true;
    settle(waiter, Waiter::Result::may_connect);
  }
}

void Pool::closed(EndpointState& home) {
  --home.open;
  admit_while_room(home);
}

void Pool::socket_closed(EndpointState& home) {
  home.sockets.store(home.sockets.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  closed(home);
}

std::unique_ptr<Connection> Pool::open(const tcp::endpoint& endpoint, Waiter* reserved) {
  auto connection = std::make_unique<Connection>(executor_);
  connection->endpoint = endpoint;
  auto& home = state_of(endpoint);
  if (reserved && reserved->reserved_) {
    reserved->reserved_ = false;  // the connection now holds the place
  } else {
    ++home.open;
  }
  connection->pool_ = this;
  connection->home_ = &home;
  home.sockets.store(home.sockets.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  return connection;
}

void Pool::connected(Connection& connection) {
  ++stats_.connects;
  boost::system::error_code ignored;
  connection.socket.set_option(tcp::no_delay(true), ignored);
  // The data path tries writes at once and waits only when the kernel's buffer is full.
  connection.socket.non_blocking(true, ignored);
}

void Pool::give_back(std::unique_ptr<Connection> connection, std::size_t max_idle_per_endpoint,
                     std::chrono::steady_clock::time_point now) {
  if (!connection) return;
  // Leftover bytes after a complete response mean the upstream broke framing: never reuse.
  if (connection->buffer.size() != 0) return;
  // Nor half a TLS record, or a TLS connection whose backend already said it is closing.
  if (connection->tls && !connection->tls->reusable()) return;
  auto& home = *connection->home_;
  auto& stack = home.idle;
  switch (on_return({counts_of(home), home.retired, stack.size(), max_idle_per_endpoint})) {
    case ReturnedConnection::close_over_limit:
    case ReturnedConnection::close_no_idle_room: return;
    case ReturnedConnection::close_retired: return count_close(PoolClose::endpoint_removed);
    case ReturnedConnection::hand_to_oldest: {
      auto& waiter = home.queue.front();
      connection->reused = true;
      waiter.connection_ = std::move(connection);
      ++stats_.handed_over;
      ++stats_.reuses;
      settle(waiter, Waiter::Result::handed);
      return;
    }
    case ReturnedConnection::keep_idle: break;
  }
  // An idle connection keeps no read buffer (a download may have grown it to 64 KiB); the next
  // response's read takes 1 KiB again.
  connection->buffer.shrink_to_fit();
  connection->idle_since = now;
  stack.push_back(std::move(connection));
  ++stats_.idle;
  idle_count_changed(home);
  if (sweep_timer_ && !sweep_armed_) arm_sweep();
}

void Pool::clear() {
  for (auto& [endpoint, state] : endpoints_) {
    stats_.idle -= state.idle.size();
    state.idle.clear();
    idle_count_changed(state);
  }
}

}  // namespace cutover::upstream
