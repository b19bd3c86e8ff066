#pragma once
// Sends one request to a backend and streams the answer back to the client: endpoint choice
// (round robin, pooled connection or a new one), then the decisions of upstream/failure.hpp (what
// a failure answers, whether it is retried) and response_plan.hpp (how the answer is framed).
// upstream_call.cpp: failures, the response header, a request without a body; upstream_body.cpp:
// a request body's way up; upstream_deliver.cpp: the answer's way back.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include "cutover/http/counters.hpp"
#include "cutover/http/headers.hpp"
#include "cutover/http/local_reply.hpp"
#include "cutover/http/upstream_supply.hpp"
#include "cutover/runtime/snapshot.hpp"
#include "cutover/upstream/failure.hpp"
#include "cutover/upstream/pool.hpp"
#include "http/body_pace.hpp"
#include "http/client_connection.hpp"
#include "http/relay.hpp"
#include "http/relay_buffers.hpp"
#include "http/upstream_acquire.hpp"

namespace cutover::http {

class Watchdog;

struct UpstreamOutcome {
  unsigned status = 0;          // what the client got (0: nothing, the connection was cut)
  std::string_view error;       // why it failed, "" when proxied normally
  std::string_view backend;     // the backend picked
  double upstream_ms = -1;      // request sent → response header received
  std::uint64_t bytes_in = 0;   // request body bytes relayed
  std::uint64_t bytes_out = 0;  // response body bytes relayed
  bool keep_alive = false;
  bool nothing_sent = false;  // failed before any byte went to a backend: no connection came
  // Set when nothing reached the client yet: the caller sends it and bumps `counter` (if any).
  std::optional<LocalReply> local_reply;
  Counters::Counter* counter = nullptr;
};

struct UpstreamRequest {
  UpstreamSupply& supply;       // the worker's pool, deadlines, counters and buffers
  const runtime::Snapshot& snapshot;
  ClientConnection& client;
  RequestParser& parser;        // the client's request; its fields live until the exchange ends
  UpstreamRequestHead head;     // how its head is rewritten for the backend (views into the exchange)
  std::uint16_t backend = 0;
  bool expect_continue = false;
  bool client_keep_alive = true;
  unsigned client_version = 11;
  std::uint32_t request_buffer = 0;  // a body up to this size is read whole before connecting
  std::uint32_t route = 0;      // Route::index: whose retry budget a retry spends
  std::string set_cookie;       // Set-Cookie to add to the response, if any
};

// The phases of one upstream exchange. Requests without a body run send → receive (and may be
// retried); requests with a body stream up while the response is read concurrently, because an
// origin may answer before the upload ends (an echo, an early 413) and must not deadlock.
//
// The caller keeps the object in its own coroutine frame and awaits one of the run members
// itself: a run() that chose between them would be one more frame per request, and every frame a
// waiting request holds is memory that has gone cold by the time its answer comes (at 5,000 busy
// connections, a cache miss when it resumes).
class UpstreamCall {
 public:
  // Results go into `outcome`, the caller's: a coroutine returning one would keep a copy in its
  // frame (and its caller another) for as long as the request is in flight.
  UpstreamCall(UpstreamRequest request, UpstreamOutcome& outcome);
  UpstreamCall(const UpstreamCall&) = delete;
  UpstreamCall& operator=(const UpstreamCall&) = delete;

  bool has_body() const { return !request_.parser.is_done(); }
  bool upgrades() const { return !upgrade_protocol().empty(); }
  boost::asio::awaitable<void> run_without_body();
  boost::asio::awaitable<void> run_with_body();
  // A request that switches protocols: a 101 turns the exchange into a tunnel (upstream_upgrade.cpp).
  boost::asio::awaitable<void> run_upgrade();

 private:
  using Clock = std::chrono::steady_clock;

  // Both legs wait for the header the same way; interim 1xx answers are read past.
  boost::asio::awaitable<boost::system::error_code> read_response_header(Clock::time_point due);
  // What the backend's socket did not take at once (write_rest): a call with two arguments in
  // the caller's frame, which a request waiting on its backend holds, rather than four.
  boost::asio::awaitable<boost::system::error_code> send_rest(Outgoing& out);
  // The body is all sent (or the backend stopped taking it): the backend's timeout for the
  // answer's header starts now, also for a read of it already waiting without a deadline.
  void start_header_clock();
  // Writes the request head for the backend into the connection's upstream_head, a string lent
  // by the worker (head_strings.hpp). Once a request without a body is sent, the string goes back
  // at once; a retry writes it again from the parsed request.
  void write_request_head();
  bool idempotent() const;  // of the request's method (upstream/failure.hpp)
  // The protocol the request switches to when the route tunnels it, else "" (upgrade.hpp).
  std::string_view upgrade_protocol() const;
  RouteRetries retries() const;  // the route's retry budget
  const config::RouteConfig& route_settings() const;
  boost::asio::awaitable<RelayResult> deliver_response();
  // After a 101: its head to the client, then the tunnel until it ends.
  boost::asio::awaitable<void> tunnel();
  // Reads the request body ahead of taking a backend connection until the client's buffer holds
  // `bytes` of it, under the body's pace.
  boost::asio::awaitable<boost::system::error_code> read_body_ahead(BodyPace& pace, std::size_t bytes);
  // Tells an Expect: 100-continue client to send its body; false (counted) when it went away.
  boost::asio::awaitable<bool> send_continue();
  // The client's side failed while its body was read: a local reply, or a client abort.
  void fail_body(const boost::system::error_code& ec);
  // Takes the acquired connection for this call; false (the call has failed) when there is none,
  // or when the client left while the request waited for it (it goes to the next waiter).
  bool use(Acquired& acquired);
  void finish_delivery(const RelayResult& delivered);
  void fail(Counters::Counter* counter, LocalReply reply);
  // The client's side failed before any answer: a local reply for `reason`.
  void fail_early(metrics::LocalReason reason, std::string message);
  // What the client is told when its body could not be read: false when it simply went away.
  bool fail_for_client(const boost::system::error_code& ec);
  // The backend failed before anything reached the client: its reply, counter and message.
  void fail(upstream::Failure failure, const boost::system::error_code& ec = {});

  UpstreamRequest request_;
  const runtime::Backend& target_;
  const config::BackendConfig& settings_;
  const config::LimitsConfig& limits_;
  Counters& counters_;
  Watchdog& watchdog_;
  UpstreamOutcome& outcome_;  // the caller's
  RelayBufferPool::Lease request_buffer_;
  RelayBufferPool::Lease response_buffer_;
  std::unique_ptr<upstream::Connection> connection_;
  std::optional<ResponseParser> response_;
  bool upstream_reusable_ = false;
  bool awaiting_header_ = false;    // a read for the response header is waiting
  bool rearm_header_read_ = false;  // that read was cancelled for the backend's timeout to start
  bool removed_counted_ = false;  // client headers the rewrite removed, counted on the first write
  // One clock reading each on the usual path, shared with what else happens at that event.
  Clock::time_point sent_at_;      // the request went (or was about to go) to the backend
  Clock::time_point answered_at_;  // its response header had arrived
  Clock::time_point delivered_at_; // the whole response was with the client: the connection idle since
};

}  // namespace cutover::http
