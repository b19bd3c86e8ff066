// The pool's upkeep: which endpoints the config still sends to, the sweep that closes the idle
// connections the pool no longer wants (idle_policy.hpp), and the numbers /metrics reads.
#include <algorithm>

#include "cutover/upstream/pool.hpp"

namespace cutover::upstream {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

void Pool::apply_policy(const tcp::endpoint& endpoint, EndpointState& home) const {
  if (!configured_) return;  // no config yet: every endpoint is live, with the default timeout
  const auto found = policies_.find(endpoint);
  home.retired = found == policies_.end();
  if (!home.retired) home.idle_timeout = found->second;
}

void Pool::configure(std::span<const EndpointPolicy> endpoints) {
  policies_.clear();
  for (const auto& policy : endpoints) {
    // Backends sharing an address share its connections: the shorter idle_timeout stays below
    // both backends' keep-alive timeouts.
    auto [it, added] = policies_.try_emplace(policy.endpoint, policy.idle_timeout);
    if (!added) it->second = std::min(it->second, policy.idle_timeout);
  }
  configured_ = true;
  for (auto& [endpoint, home] : endpoints_) {
    apply_policy(endpoint, home);
    if (!home.retired || home.idle.empty()) continue;
    // Taken out before they close: closing one may admit a waiter, which must find a
    // consistent state.
    auto going = std::move(home.idle);
    home.idle.clear();
    stats_.idle -= going.size();
    idle_count_changed(home);
    count_close(PoolClose::endpoint_removed, going.size());
  }
  forget_unused_retired();
}

void Pool::sweep(Clock::time_point now) {
  for (auto& [endpoint, home] : endpoints_) sweep_endpoint(home, now);
  forget_unused_retired();
}

void Pool::sweep_endpoint(EndpointState& home, Clock::time_point now) {
  auto& stack = home.idle;
  if (stack.empty()) return;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < stack.size(); ++i) {
    auto& connection = stack[i];
    const IdleFate fate = idle_fate(connection->idle_since, now, home.idle_timeout, home.retired);
    if (fate == IdleFate::keep_if_quiet) {
      if (quiet(connection->socket)) {
        if (kept != i) stack[kept] = std::move(connection);
        ++kept;
        continue;
      }
      count_close(PoolClose::backend_closed);
    } else {
      count_close(fate == IdleFate::endpoint_removed ? PoolClose::endpoint_removed : PoolClose::idle_timeout);
    }
    // Closing may admit a waiter (a place came free); that only posts, and leaves `stack` alone.
    connection.reset();
  }
  stats_.idle -= stack.size() - kept;
  stack.resize(kept);  // the oldest stay first, as take_idle expects
  idle_count_changed(home);
}

void Pool::forget_unused_retired() {
  for (auto it = endpoints_.begin(); it != endpoints_.end();) {
    const auto& home = it->second;
    // Connections, leaves to connect and queued requests all point at the state: all are counted
    // in `open` or sit in `queue`.
    const bool unused = home.retired && home.open == 0 && home.idle.empty() && home.queue.empty();
    if (!unused) {
      ++it;
      continue;
    }
    if (last_state_ == &it->second) last_state_ = nullptr;
    const std::lock_guard lock(states_mutex_);
    it = endpoints_.erase(it);
  }
}

void Pool::start_sweeping(SweepHooks hooks) {
  hooks_ = std::move(hooks);
  sweep_timer_.emplace(executor_);
  if (stats_.idle > 0) arm_sweep();
}

void Pool::stop_sweeping() {
  sweep_timer_.reset();  // a pending wait completes with operation_aborted, touching nothing
  sweep_armed_ = false;
}

void Pool::arm_sweep() {
  sweep_armed_ = true;
  sweep_timer_->expires_after(kSweepInterval);
  sweep_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // stopped: the pool may be going away
    sweep_armed_ = false;
    if (hooks_.before) hooks_.before();
    sweep(Clock::now());
    // Nothing idle: nothing to sweep until something goes idle again (give_back arms it then).
    if (stats_.idle > 0 && sweep_timer_ && !sweep_armed_) arm_sweep();
  });
}

void Pool::connections(std::vector<EndpointConnections>& out) const {
  const std::lock_guard lock(states_mutex_);
  for (const auto& [endpoint, home] : endpoints_) {
    const std::size_t open = home.sockets.load(std::memory_order_relaxed);
    if (open == 0) continue;
    // Two relaxed gauges: a scrape between their updates could see one more idle than open.
    out.push_back({endpoint, open, std::min(open, home.idle_sockets.load(std::memory_order_relaxed))});
  }
}

PoolCloses Pool::closes() const {
  PoolCloses out{};
  for (std::size_t i = 0; i < kPoolCloseCount; ++i) out[i] = closes_[i].load(std::memory_order_relaxed);
  return out;
}

void Pool::count_close(PoolClose reason, std::size_t n) {
  auto& counter = closes_[static_cast<std::size_t>(reason)];
  counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);  // one writer
}

void Pool::idle_count_changed(EndpointState& home) {
  home.idle_sockets.store(home.idle.size(), std::memory_order_relaxed);
}

}  // namespace cutover::upstream
