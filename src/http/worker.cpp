#include "cutover/http/worker.hpp"

#include <array>
#include <cstring>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/detail/call_stack.hpp>
#include <boost/asio/detail/thread_context.hpp>
#include <boost/asio/detail/thread_info_base.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "cutover/common/open_files.hpp"
#include "cutover/common/thread_name.hpp"
#include "cutover/http/session.hpp"
#include "cutover/runtime/session_source.hpp"
#include "http/client_connection.hpp"
#include "http/pool_upkeep.hpp"
#include "http/relay_buffers.hpp"
#include "http/watchdog.hpp"

namespace cutover::http {

namespace asio = boost::asio;
using asio::ip::tcp;

std::uint64_t Random::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void Random::hex128(char (&out)[32]) {
  // Two characters per byte from one table (a request id per request: ~60 instructions, not ~190).
  static constexpr auto kPairs = [] {
    constexpr char kHex[] = "0123456789abcdef";
    std::array<char, 512> pairs{};
    for (int byte = 0; byte < 256; ++byte) {
      pairs[static_cast<std::size_t>(2 * byte)] = kHex[byte >> 4];
      pairs[static_cast<std::size_t>(2 * byte + 1)] = kHex[byte & 15];
    }
    return pairs;
  }();
  for (int half = 0; half < 2; ++half) {
    std::uint64_t bits = next();
    for (int i = 0; i < 8; ++i, bits >>= 8) std::memcpy(out + half * 16 + 2 * i, &kPairs[2 * (bits & 0xFF)], 2);
  }
}

std::string Random::hex128() {
  char out[32];
  hex128(out);
  return std::string(out, sizeof out);
}

namespace {
std::uint64_t seed_for(unsigned index) {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device() ^ (static_cast<std::uint64_t>(index) << 56);
}
}  // namespace

Worker::Worker(unsigned index, runtime::SnapshotStore& store, log::AccessLog& access_log, const WorkerSeams& seams)
    : index_(index),
      // One thread runs this io_context and every socket and timer in it is used from that thread
      // only; other threads only post to it (drain, stop). So the reactor's per-socket locks are
      // dropped (a lock and an unlock per socket operation) and the scheduler's kept.
      io_(std::make_unique<asio::io_context>(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO)),
      acceptor_(std::in_place, *io_),
      tls_acceptor_(std::in_place, *io_),
      store_(store),
      access_log_(access_log),
      pool_(io_->get_executor()),
      tokens_(10000),
      random_(seams.seed ? *seams.seed : seed_for(index)),
      relay_buffers_(std::make_unique<RelayBufferPool>()),
      watchdog_(std::make_unique<Watchdog>(*io_, seams.manual_now)),
      metrics_(store.current()->metrics_layout),
      upstream_{pool_, round_robin_, retry_budgets_, *watchdog_, counters_, *relay_buffers_, head_strings_, draining_, auth_request_log_, tls_log_} {
  snapshot();
  // Each sweep first picks up a config published since the last request: with no traffic after
  // a reload, the idle connections to the endpoints it removed still close.
  pool_.start_sweeping({.before = [this] { snapshot(); }, .peer_gone = &idle_peer_gone});
}

Worker::~Worker() {
  stop();
  join();
  pool_.clear();
  pool_.stop_sweeping();  // its timer must go before the io_context
  pool_.abandon_waiters();
  acceptor_.reset();
  tls_acceptor_.reset();
  watchdog_->shutdown();  // its timer must go before the io_context
  io_.reset();  // destroys suspended sessions; they unregister from sessions_open_ as they go
}

namespace {

tcp::endpoint listen_on(tcp::acceptor& acceptor, const tcp::endpoint& endpoint) {
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  // Each worker has its own listening socket on the same port; the kernel spreads connections.
  acceptor.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true));
  acceptor.bind(endpoint);
  acceptor.listen(4096);
  return acceptor.local_endpoint();
}

}  // namespace

tcp::endpoint Worker::listen(const tcp::endpoint& endpoint) { return listen_on(*acceptor_, endpoint); }

tcp::endpoint Worker::listen_tls(const tcp::endpoint& endpoint) { return listen_on(*tls_acceptor_, endpoint); }

void Worker::start() {
  if (const auto limit = open_files_limit()) upstream_.descriptor_ceiling = traffic_descriptor_ceiling(limit->soft);
  asio::co_spawn(*io_, accept_loop(*acceptor_, false), asio::detached);
  if (tls_acceptor_->is_open()) asio::co_spawn(*io_, accept_loop(*tls_acceptor_, true), asio::detached);
  thread_ = std::thread([this] { io_->run(); });
  name_thread(thread_, "worker-" + std::to_string(index_));
}

namespace {

// Asio keeps a few freed coroutine frames per thread and hands out the first one large enough,
// whatever its size. A session's co_spawn entry frame (~128 bytes) lives as long as its
// connection, and spawned right after a request ended it would take one of that request's
// ~1 KiB frames: how much an idle connection costs would depend on what ran before its accept.
// An empty cache on top of the thread's call stack makes the frames allocated while the session
// is spawned (and runs to its first wait) come from the heap at their own size class. Blocks
// freed into it meanwhile go back to the heap with it. Boost 1.81's thread_info_base (pinned in
// cmake/Dependencies.cmake); ConnectionMemory.* in the session tier checks the result.
class FreshFrames {
 public:
  FreshFrames() : scope_(nullptr, empty_) {}

 private:
  asio::detail::thread_info_base empty_;
  asio::detail::call_stack<asio::detail::thread_context, asio::detail::thread_info_base>::context scope_;
};

}  // namespace

void Worker::start_session(tcp::socket socket, bool tls) {
  const FreshFrames fresh;
  asio::co_spawn(*io_, run_session(*this, std::move(socket), tls), asio::detached);
}

void Worker::log_tls_failure(const std::string& peer, const std::string& why) {
  if (const auto held_back = tls_log_.admit(0, std::chrono::steady_clock::now())) {
    spdlog::warn("worker {}: TLS handshake from {} failed: {} ({} more since the last line)", index_, peer, why, *held_back);
  }
}

asio::awaitable<void> Worker::accept_loop(tcp::acceptor& acceptor, bool tls) {
  while (acceptor.is_open()) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
    if (ec) {
      // Out of descriptors or memory: back off instead of spinning.
      warn_not_accepting(ec.message());
      co_await pause_accepting();
      continue;
    }
    if (!within_descriptor_budget(socket)) {
      // Turned away at once rather than left to wait: the descriptors left are the admin API's.
      Counters::bump(counters_.connections_refused);
      boost::system::error_code ignored;
      socket.close(ignored);
      warn_not_accepting("open files near the limit (the last " + std::to_string(kDescriptorReserve) +
                         " are kept for the admin API)");
      co_await pause_accepting();
      continue;
    }
    Counters::bump(counters_.connections_accepted);
    start_session(std::move(socket), tls);
  }
}

namespace {
constexpr std::chrono::milliseconds kAcceptPause{100};
}  // namespace

void Worker::warn_not_accepting(std::string_view why) {
  if (const auto held_back = accept_log_.admit(0, std::chrono::steady_clock::now())) {
    spdlog::warn("worker {}: not accepting connections for {} ms: {} ({} more times since the last warning)", index_,
                 kAcceptPause.count(), why, *held_back);
  }
}

asio::awaitable<void> Worker::pause_accepting() {
  asio::steady_timer pause(*io_, kAcceptPause);
  co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
}

void Worker::begin_drain() {
  asio::post(*io_, [this] {
    draining_.store(true, std::memory_order_relaxed);
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    tls_acceptor_->close(ignored);
    for (ClientConnection* client : sessions_open_) {
      if (client->idle) client->socket.cancel(ignored);
    }
  });
}

void Worker::stop() {
  if (io_) io_->stop();
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::session_started(ClientConnection* client) {
  sessions_open_.insert(client);
  active_sessions_.fetch_add(1, std::memory_order_relaxed);
}

void Worker::session_ended(ClientConnection* client) {
  sessions_open_.erase(client);
  active_sessions_.fetch_sub(1, std::memory_order_relaxed);
}

const std::shared_ptr<const runtime::Snapshot>& Worker::snapshot() {
  std::uint64_t generation = store_.generation();
  if (generation != snapshot_generation_ || !snapshot_) {
    const std::shared_ptr<const runtime::Snapshot> previous = std::move(snapshot_);
    snapshot_ = store_.current();
    snapshot_generation_ = generation;
    if (!previous || snapshot_->build != previous->build) {
      // Keys or policy may have changed: verified identities are re-checked under the new config.
      // An admin override publishes the same build: caches stay warm.
      const auto& identity = snapshot_->config.identity;
      tokens_ = identity::TokenCache(identity.jwt.cache_entries);
      // Session answers stay while the lookup is unchanged: a reload during a monolith outage
      // must not drop the stale identities users are getting by on.
      if (!sessions_ || !previous || !runtime::same_session_answers(*previous, *snapshot_)) {
        sessions_ = std::make_shared<identity::SessionLookup>(identity.auth_request.cache_entries,
                                                              identity.auth_request.cache_ttl,
                                                              identity.auth_request.stale_if_error);
      }
      round_robin_.reset(snapshot_->backends.size());
      retry_budgets_.reset(snapshot_->routes->routes().size());
      // Endpoints may have changed: the pool stops keeping connections to those that went.
      pool_.configure(pool_policies(*snapshot_));
    }
    if (&metrics_.layout() != snapshot_->metrics_layout.get()) metrics_.reset(snapshot_->metrics_layout);
  }
  return snapshot_;
}

}  // namespace cutover::http
