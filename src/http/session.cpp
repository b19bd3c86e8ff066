#include "cutover/http/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

#include <algorithm>
#include <optional>

#include "cutover/http/worker.hpp"
#include "http/exchange.hpp"
#include "http/parse_io.hpp"
#include "http/header_read.hpp"
#include "http/tls_accept.hpp"
#include "http/wire.hpp"
#include "http/watchdog.hpp"

namespace cutover::http {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

bool is_quiet_close(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::operation_aborted || ec == asio::error::broken_pipe;
}

// The client went away with part of a request header sent: an abort, not a malformed request
// (whose counter it would otherwise swell during a slowloris run).
bool hung_up_mid_header(const boost::system::error_code& ec, const RequestParser& parser) {
  if (!parser.got_some()) return false;
  return ec == bhttp::error::partial_message || ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

void count_abort_mid_header(Worker& worker, const ClientConnection& client) {
  Counters::bump(worker.counters().client_aborts);
  char request_id[32];
  worker.random().hex128(request_id);
  log_without_exchange(worker, client, std::string_view(request_id, sizeof request_id), 0, "client_aborted");
}

struct SessionGuard {
  Worker& worker;
  ClientConnection& client;
  explicit SessionGuard(Worker& w, ClientConnection& c) : worker(w), client(c) { worker.session_started(&client); }
  ~SessionGuard() { worker.session_ended(&client); }
  SessionGuard(const SessionGuard&) = delete;
  SessionGuard& operator=(const SessionGuard&) = delete;
};

void give_heads_back(Worker& worker, ClientConnection& client) {
  worker.head_strings().take_back(client.head);
  worker.head_strings().take_back(client.upstream_head);
}

// What a client whose request header could not be read is told, counted under its reason.
LocalReply unreadable_header_reply(const boost::system::error_code& ec, std::size_t max_header_bytes,
                                   Counters& counters) {
  using metrics::LocalReason;
  if (ec == bhttp::error::header_limit) {
    Counters::bump(counters.local(LocalReason::header_too_large));
    return local_reply(LocalReason::header_too_large,
                       "the request header is larger than " + std::to_string(max_header_bytes) + " bytes");
  }
  if (ec == beast::error::timeout) {
    Counters::bump(counters.local(LocalReason::client_timeout));
    return local_reply(LocalReason::client_timeout, "the request header did not arrive within the header timeout");
  }
  // Smuggling shapes (CL+TE, bad chunking, duplicate lengths) end here, never forwarded.
  Counters::bump(counters.local(LocalReason::bad_request));
  return local_reply(LocalReason::bad_request, "malformed HTTP request: " + ec.message());
}

// A coroutine of its own, so that the reply takes room only when a header goes wrong, rather than
// in the session's frame, which every connection holds for its whole life (below).
asio::awaitable<void> answer_unreadable_header(Worker& worker, ClientConnection& client,
                                               boost::system::error_code ec) {
  const LocalReply reply = unreadable_header_reply(ec, client.snapshot->config.limits.max_header_bytes, worker.counters());
  co_await reply_and_close(worker, client, reply);
  co_await linger_before_close(worker, client);
}

// The client's address, for the access log; "0.0.0.0" if it has already hung up.
std::string peer_address(const tcp::socket& socket) {
  boost::system::error_code ignored;
  return socket.remote_endpoint(ignored).address().to_string();
}

void close_connection(ClientConnection& client) {
  shutdown_send(client.stream());
  boost::system::error_code ignored;
  client.socket.close(ignored);
}

// A busy keep-alive connection's next request comes within this, into the read buffer it has.
// One idle for longer gives the buffer back and waits without it (below).
constexpr std::chrono::seconds kReadBufferKeptWhileIdle{1};

struct IdleDeadlines {
  Watch::Clock::time_point due;             // the idle (or, before a first request, header) timeout
  Watch::Clock::time_point buffered_until;  // when the read buffer goes back
};

IdleDeadlines idle_deadlines(const ClientConnection& client, const config::LimitsConfig& limits,
                             Watch::Clock::time_point now) {
  // The idle timeout runs from the last response (its clock reading, not another one); before a
  // first request, from now, or on a TLS connection from its accept (answered_at, set there), so
  // that its handshake and its first request's header share one header_timeout.
  const bool first = client.requests == 0;
  const auto idle_since = first && client.answered_at == Watch::Clock::time_point{} ? now : client.answered_at;
  const auto due = idle_since + (first ? limits.header_timeout : limits.idle_timeout);
  return {due, std::min(due, idle_since + kReadBufferKeptWhileIdle)};
}

// The current request's header is read under its snapshot's limits (ClientConnection::snapshot,
// taken when its first bytes arrive rather than before the idle wait: a reload during that wait
// applies to the request). Read from there where needed rather than kept in the session's frame.
std::uint32_t max_header_bytes(const ClientConnection& client) {
  return static_cast<std::uint32_t>(client.snapshot->config.limits.max_header_bytes);
}

}  // namespace

// The session's frame is held by every connection, idle or busy, for as long as it is open, and
// GCC gives each of its locals (and each co_await's awaiter) a place of its own there, whether or
// not it lives across a wait. What never waits is therefore done outside it (run_session below,
// the helpers above). That keeps the frame
// under 1,280 bytes, mimalloc's size class below 1,536: 256 bytes less per connection (memory
// only: a request costs the same either way).
asio::awaitable<void> serve(Worker& worker, ClientConnection client) {
  client.peer_address = peer_address(client.socket);
  SessionGuard guard(worker, client);

  while (!worker.draining()) {
    client.arena.reset();  // the previous request's parsers are gone: so is the memory of their fields
    // Nor does a connection between requests need its heads' memory (~500 bytes each, held by
    // every keep-alive connection): the worker keeps it for the next request, on any connection.
    give_heads_back(worker, client);
    if (client.buffer.size() == 0) {
      shrink_if_grown(client.buffer);  // an upload grew it; an idle connection keeps a small one
      boost::system::error_code ec = read_arrived(client.stream(), client.buffer);
      if (ec == asio::error::would_block) {
        // Waiting for the next request is "idle": a drain may cut it short (Worker::begin_drain).
        client.idle = true;
        worker.idle_changed(true);
        const IdleDeadlines idle = idle_deadlines(client, worker.snapshot()->config.limits, worker.watchdog().now());
        {
          EventRead read(worker.watchdog(), client.stream(), client.buffer, idle.buffered_until);
          auto [read_ec, n] = co_await read.start();
          ec = read.finish(read_ec, n);
        }
        if (ec == beast::error::timeout && idle.buffered_until < idle.due) {
          // The rest of the idle spell without a read buffer (as nginx frees its buffer): wait
          // until the socket is readable, then read into memory taken only then. 1.3 KiB less
          // per idle connection (docs/archive/performance-log.md); in place rather than in a
          // coroutine of its own, whose frame would take back half of that. Not how every wait
          // goes, because Asio re-arms epoll for such a wait: a system call a request would
          // otherwise not make, which once per idle spell costs nothing that matters.
          client.buffer.shrink_to_fit();
          if (client.tls) client.tls->input().shrink_to_fit();
          // A client that sent its last request and its FIN together gave no event for the FIN
          // (read_readiness.hpp waits for one after a short read): a peek, once per idle spell,
          // finds it, so such a connection closes now rather than at idle_timeout.
          ec = asio::error::would_block;
          if (peer_left(client.stream())) ec = asio::error::eof;
          while (ec == asio::error::would_block) {  // again only after a readiness with nothing to read
            if (worker.draining()) {  // the drain's cancel may have come before this wait began
              ec = asio::error::operation_aborted;
              break;
            }
            Watch watch(worker.watchdog(), client.socket, idle.due);
            auto [wait_ec] = co_await client.socket.async_wait(tcp::socket::wait_read, asio::as_tuple(asio::deferred));
            ec = watch.result(wait_ec);
            if (!ec) ec = read_arrived(client.stream(), client.buffer);
          }
        }
        client.idle = false;
        worker.idle_changed(false);
      }
      if (ec) {
        if (ec == beast::error::timeout) Counters::bump(worker.counters().local(metrics::LocalReason::client_timeout));
        break;
      }
    }
    // The whole header must arrive within header_timeout of its first bytes; the exchange's
    // duration counts from them too.
    client.request_started = worker.watchdog().now();
    client.snapshot = worker.snapshot();
    std::optional<RequestParser> parsing;
    RequestParser& parser = parsing.emplace(client.arena);  // its fields live in the connection's arena
    parser.header_limit(max_header_bytes(client));
    // Beast's default 1 MB body limit would reject large uploads while parsing the header; the
    // exchange applies limits.max_body_bytes itself (413 with a JSON body).
    parser.body_limit(boost::none);
    boost::system::error_code ec;
    while (!parse_buffered(parser, client.buffer, ParseGoal::header, ec)) {
      ec = co_await read_more_header(worker, client);
      if (ec == asio::error::eof) ec = parse_eof(parser);
      if (ec) break;
    }
    if (ec) {
      if (hung_up_mid_header(ec, parser)) {
        count_abort_mid_header(worker, client);
      } else if (!is_quiet_close(ec)) {
        co_await answer_unreadable_header(worker, client, ec);
      }
      break;
    }
    ++client.requests;
    // While a request without a body waits on its backend, its connection needs no read buffer:
    // thousands of requests in flight would each hold one for nothing (the next read takes one
    // again).
    if (parser.is_done() && client.buffer.size() == 0) client.buffer.shrink_to_fit();
    // Head strings are lent only while a head is written and sent (the request's by the upstream
    // call, the response's when the answer is written; both come back by the top of this loop):
    // held from here, 5,000 requests waiting on a backend would each keep them, and each would be
    // cold when written.
    bool keep_alive = co_await run_exchange(worker, client, parser);
    client.snapshot.reset();
    if (!keep_alive) break;
  }
  // A connection that ends (Connection: close, HTTP/1.0, an error) gives its heads back too:
  // with close-heavy clients the worker's spares would otherwise run dry, and every response
  // head would come from malloc again.
  give_heads_back(worker, client);
  close_connection(client);
}

asio::awaitable<void> run_session(Worker& worker, tcp::socket socket, bool tls) {
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  socket.non_blocking(true, ignored);  // writes are tried at once (wire.hpp)
  // This runs in the worker's accept loop, which an exception would end, so nothing here may
  // throw but the frame's allocation (as when the set-up ran in the coroutine): the peer's
  // address, a string, is written in the session.
  if (tls) return serve_tls(worker, ClientConnection{std::move(socket), worker.arena_blocks()});
  return serve(worker, ClientConnection{std::move(socket), worker.arena_blocks()});
}


}  // namespace cutover::http
