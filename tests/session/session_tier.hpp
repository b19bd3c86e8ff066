#pragma once
// The session test tier: a real Worker driven in the test's own thread, on a manual clock and a
// fixed random seed, with both of its peers scripted by the test. The client and the backend are
// the far ends of loopback TCP connections that the test reads and writes with plain system
// calls, so it can fail any step of a request's life on either side: close or reset before,
// during or after any read or write, or go silent and let the manual clock run out a deadline.
//
// Why loopback sockets and not an in-memory stream like Beast's test::stream: the data path's
// speed comes from non-blocking sends tried at once and readiness waits on tcp::socket
// (wire.hpp, read_readiness.hpp), which test::stream does not model; a loopback pair has exactly
// those semantics, delivers each write before send() returns, and can be reset (RST), which an
// in-memory stream cannot. What makes the tier deterministic is the rest: one thread, no sleeps,
// time moved by hand.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

#include "cutover/http/counters.hpp"
#include "cutover/http/worker.hpp"
#include "cutover/log/access_log.hpp"
#include "cutover/runtime/snapshot.hpp"

namespace cutover::session_test {

// The far end of one connection, driven by the test.
class Peer {
 public:
  Peer() = default;
  explicit Peer(int fd);
  Peer(Peer&& other) noexcept;
  Peer& operator=(Peer&& other) noexcept;
  ~Peer();

  bool valid() const { return fd_ >= 0; }
  // Writes all of `bytes` (the kernel takes them at once: they are small, or the test shrank
  // nothing). Returns false if the other side is gone.
  bool send(std::string_view bytes);
  // Everything the other side sent so far (reads what has arrived first).
  const std::string& received();
  // The other side closed its end (eof or reset), once everything before that is read.
  bool hung_up();
  // The other side reset the connection (RST), as seen by a read.
  bool was_reset();
  void close();           // FIN after everything sent
  void reset();           // RST: SO_LINGER 0, then close
  void shutdown_write();  // FIN, still reading
  // A small receive window, so that a response larger than it makes the gateway wait to write.
  void shrink_receive_buffer();
  int fd() const { return fd_; }

 private:
  void read_available();
  int fd_ = -1;
  std::string received_;
  bool eof_ = false;
  bool reset_ = false;
};

struct TierOptions {
  // Config after the `backends:` key's entry for `app` (whose endpoint the tier fills in): more
  // backend keys for app, routes, limits. "{app}" in the text is replaced by app's address.
  std::string backend_settings;       // inside app's flow map, e.g. "timeout: 5s, retries: ..."
  std::string app_endpoints = "{app}";  // "{app}, {legacy}": the second listener as app's second endpoint
  std::string extra_yaml;             // appended after routes (limits:, identity:, ...)
  std::string route = "{ id: api, match: { prefix: / }, backend: app }";
  bool access_log = true;  // off where its batch buffer would count against a connection's memory
  // Set: a second backend, `legacy`, on an address of its own ("{legacy}"), with these settings
  // in its flow map ("" for none). Its connections are taken by accept_legacy().
  std::optional<std::string> legacy_settings;
};

class SessionTier {
 public:
  explicit SessionTier(const TierOptions& options = {});
  ~SessionTier();
  SessionTier(const SessionTier&) = delete;
  SessionTier& operator=(const SessionTier&) = delete;

  // A new client connection, its gateway side started by the worker from one of its own handlers,
  // as its accept loop does; `just_before_start`, if given, runs in that handler first.
  Peer connect_client(const std::function<void()>& just_before_start = {});
  // The same as the TLS listener accepts it: the session starts with a handshake (the config
  // needs a `tls:` section, in extra_yaml).
  Peer connect_tls_client();
  // The next connection the gateway opened to the backend (drives the worker until there is one).
  Peer accept_backend();
  // The same for the `legacy` backend (TierOptions::legacy_settings).
  Peer accept_legacy();
  // Whether the gateway opened a backend connection nobody accepted yet (drives the worker first).
  bool backend_connection_pending();
  bool legacy_connection_pending();
  // Stops listening on the backend's address: later connects are refused.
  void stop_backend_listener();
  std::string backend_address() const;
  std::string legacy_address() const;

  // Publishes a config built from `options` (its access_log is ignored), as a reload does.
  void reload(const TierOptions& options);

  // Runs the worker until nothing more happens without input from a peer or the clock.
  void settle();
  // Runs the worker until `done` holds; false after 5 s of real time (a hang, reported by the caller).
  bool run_until(const std::function<bool()>& done);
  // Moves the manual clock forward, ends the waits that are now due, and settles.
  void advance(std::chrono::milliseconds by);

  http::Worker& worker() { return *worker_; }
  http::Counters& counters() { return worker_->counters(); }
  std::uint64_t local_replies(metrics::LocalReason reason) { return counters().local(reason).load(); }
  // The access log's lines so far.
  std::vector<nlohmann::json> access_log();
  // The backend connections the worker's pool has open (idle ones included).
  std::size_t backend_connections_open() const;
  std::size_t backend_connections_idle() const;

  // Nothing left behind once every connection is settled: no session, deadline, queued request
  // or descriptor beyond the pool's idle connections. Fails the calling test otherwise.
  void expect_nothing_leaked();

 private:
  void publish(const TierOptions& options);

  std::string log_path_;
  std::unique_ptr<log::AccessLog> access_log_;
  runtime::SnapshotStore store_;
  std::chrono::steady_clock::time_point now_;
  std::unique_ptr<http::Worker> worker_;
  boost::asio::io_context client_io_;  // the test's side of the client acceptor
  boost::asio::ip::tcp::acceptor client_acceptor_;
  Peer accept_on(int listener);
  Peer connect(const std::function<void()>& just_before_start, bool tls);
  bool pending_on(int listener);

  int backend_listener_ = -1;
  std::uint16_t backend_port_ = 0;
  int legacy_listener_ = -1;
  std::uint16_t legacy_port_ = 0;
  std::size_t descriptors_at_start_ = 0;
};

// A request as a client sends it, by the test's name for its shape.
std::string get_request(std::string_view path = "/x", std::string_view extra_headers = "");
std::string post_request(std::string_view body, std::string_view extra_headers = "");
std::string chunked_post_request(std::string_view body);
// A response as a backend sends it.
std::string ok_response(std::string_view body = "hello", std::string_view extra_headers = "");
std::string chunked_response(std::string_view body);

// The status of the first response in `bytes`, 0 if there is none yet.
unsigned status_of(std::string_view bytes);
// How many response heads `bytes` holds.
std::size_t responses_in(std::string_view bytes);
// Requests a backend received: request heads in `bytes`.
std::size_t requests_in(std::string_view bytes);

}  // namespace cutover::session_test
