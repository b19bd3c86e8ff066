#pragma once
// A worker: one thread, one io_context, its own SO_REUSEPORT acceptor and upstream pool, its own
// caches. Nothing here is shared with other workers, so the data path takes no locks.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "cutover/http/counters.hpp"
#include "cutover/http/field_arena.hpp"
#include "cutover/http/head_strings.hpp"
#include "cutover/http/upstream_supply.hpp"
#include "cutover/identity/session_lookup.hpp"
#include "cutover/identity/token_cache.hpp"
#include "cutover/log/access_log.hpp"
#include "cutover/log/throttle.hpp"
#include "cutover/metrics/registry.hpp"
#include "cutover/runtime/snapshot.hpp"
#include "cutover/upstream/endpoint_choice.hpp"
#include "cutover/upstream/pool.hpp"

namespace cutover::http {

struct ClientConnection;
class RelayBufferPool;
class Watchdog;

// Fast non-cryptographic randomness for request ids, sticky cookie ids and `sticky: none` rolls.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();  // splitmix64
  std::string hex128();  // 32 lower-case hex characters
  void hex128(char (&out)[32]);

 private:
  std::uint64_t state_;
};

// What the session test tier replaces to run a worker in its own thread, deterministically.
struct WorkerSeams {
  std::optional<std::uint64_t> seed;  // request ids and `sticky: none` rolls; none: from the device
  const std::chrono::steady_clock::time_point* manual_now = nullptr;  // none: the steady clock
};

class Worker {
 public:
  Worker(unsigned index, runtime::SnapshotStore& store, log::AccessLog& access_log, const WorkerSeams& seams = {});
  ~Worker();

  // Binds the acceptor. Port 0 picks one; other workers then bind the same port (SO_REUSEPORT).
  boost::asio::ip::tcp::endpoint listen(const boost::asio::ip::tcp::endpoint& endpoint);
  // The same for the TLS listener (`tls.listen`), whose connections start with a handshake.
  boost::asio::ip::tcp::endpoint listen_tls(const boost::asio::ip::tcp::endpoint& endpoint);
  void start();          // runs the io_context on its own thread
  void stop();           // ends the io_context (thread-safe)
  void join();
  // Serves an accepted connection. Called on the worker's thread (its accept loop, the tests).
  void start_session(boost::asio::ip::tcp::socket socket, bool tls = false);
  // A client's TLS handshake failed (not a plain hang-up): a line every few seconds.
  void log_tls_failure(const std::string& peer, const std::string& why);

  // The snapshot for a new request: refreshed from the store when a reload happened. The pool's
  // sweep calls it too, so the pool follows a reload that no request follows (Pool::configure).
  const std::shared_ptr<const runtime::Snapshot>& snapshot();

  boost::asio::io_context& io() { return *io_; }
  upstream::Pool& pool() { return pool_; }
  identity::TokenCache& tokens() { return tokens_; }
  // Shared so a lookup in flight survives a reload that replaces the cache.
  const std::shared_ptr<identity::SessionLookup>& sessions() { return sessions_; }
  Random& random() { return random_; }
  RelayBufferPool& relay_buffers() { return *relay_buffers_; }
  // Deadlines of the data path's socket waits (src/http/watchdog.hpp).
  Watchdog& watchdog() { return *watchdog_; }
  ArenaBlocks& arena_blocks() { return arena_blocks_; }
  HeadStrings& head_strings() { return head_strings_; }
  Counters& counters() { return counters_; }
  const Counters& counters() const { return counters_; }
  // Per (route, backend) requests, latency and 60 s windows; this worker is the only writer.
  metrics::WorkerMetrics& metrics() { return metrics_; }
  const metrics::WorkerMetrics& metrics() const { return metrics_; }
  log::AccessLog& access_log() { return access_log_; }
  // What the upstream phases of a request draw on (upstream_supply.hpp).
  UpstreamSupply& upstream() { return upstream_; }
  bool draining() const { return draining_.load(std::memory_order_relaxed); }
  std::size_t active_sessions() const { return active_sessions_.load(std::memory_order_relaxed); }
  // Keep-alive connections waiting for their next request (a gauge for /metrics).
  std::size_t idle_sessions() const { return idle_sessions_.load(std::memory_order_relaxed); }
  void idle_changed(bool idle) {
    if (idle) idle_sessions_.fetch_add(1, std::memory_order_relaxed);
    else idle_sessions_.fetch_sub(1, std::memory_order_relaxed);
  }
  void session_started(ClientConnection* client);
  void session_ended(ClientConnection* client);
  // Graceful shutdown: stop accepting, close idle keep-alive connections, let the rest finish
  // their current exchange (they answer with Connection: close). Thread-safe.
  void begin_drain();
  // False when `socket` took a descriptor of the reserve (common/open_files.hpp): traffic must
  // let it go again.
  bool within_descriptor_budget(boost::asio::ip::tcp::socket& socket) const {
    return upstream_.within_descriptor_budget(socket);
  }

 private:
  boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor, bool tls);
  // When accepting has to pause for a moment: a warning at most every few seconds, then the pause.
  void warn_not_accepting(std::string_view why);
  boost::asio::awaitable<void> pause_accepting();

  unsigned index_;
  // Owned by pointer so ~Worker can destroy pending sessions while the members they use live.
  std::unique_ptr<boost::asio::io_context> io_;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
  std::optional<boost::asio::ip::tcp::acceptor> tls_acceptor_;  // open only with `tls:`
  runtime::SnapshotStore& store_;
  log::AccessLog& access_log_;
  std::shared_ptr<const runtime::Snapshot> snapshot_;
  std::uint64_t snapshot_generation_ = 0;
  upstream::Pool pool_;
  identity::TokenCache tokens_;
  std::shared_ptr<identity::SessionLookup> sessions_;
  log::Throttle auth_request_log_{metrics::kLookupFailureCount, std::chrono::seconds(5)};
  log::Throttle accept_log_{1, std::chrono::seconds(5)};
  log::Throttle tls_log_{2, std::chrono::seconds(5)};  // [0] clients' handshakes, [1] backends'
  Random random_;
  Counters counters_;
  std::unique_ptr<RelayBufferPool> relay_buffers_;  // outlives the sessions ~Worker destroys
  std::unique_ptr<Watchdog> watchdog_;              // likewise: their pending waits unlink from it
  ArenaBlocks arena_blocks_;                        // likewise: their arenas give blocks back
  HeadStrings head_strings_;                        // likewise: sessions give their heads back
  metrics::WorkerMetrics metrics_;
  upstream::RoundRobin round_robin_;
  upstream::RetryBudgets retry_budgets_;
  std::atomic<bool> draining_{false};
  UpstreamSupply upstream_;  // its descriptor ceiling is set by start() from the open-files limit
  std::atomic<std::size_t> active_sessions_{0};
  std::atomic<std::size_t> idle_sessions_{0};
  std::unordered_set<ClientConnection*> sessions_open_;
  std::thread thread_;
};

}  // namespace cutover::http
