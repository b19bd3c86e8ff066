// One connection of test_upstream: read a head, serve it, repeat while keep-alive holds.
// Bodies always stream through a 64 KiB buffer (Beast's buffer_body), so a 2 GB upload or
// download costs no more memory than a tiny one. The same session serves plain TCP and, with
// --tls-cert, an asio::ssl::stream over it once its handshake is done.
#include "../support/patterns.hpp"
#include "../support/raw_head.hpp"
#include "server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <chrono>
#include <tuple>
#include <type_traits>
#include <vector>

namespace cutover::test::upstream {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using asio::ip::tcp;
using TlsStream = asio::ssl::stream<tcp::socket>;
using Parser = http::request_parser<http::buffer_body>;
using StreamResponse = http::response<http::buffer_body>;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t kHeaderLimit = 64 * 1024;
constexpr std::uint64_t kMaxDelayMs = 10 * 60 * 1000;
// A TLS handshake, and the close_notify exchange at the end, may take this long.
constexpr auto kTlsTimeout = std::chrono::seconds(10);
constexpr auto kCloseNotifyWait = std::chrono::milliseconds(200);

// Errors that mean the client sent something that is not valid HTTP (answer 400/431), as
// opposed to the connection going away (just close).
bool is_protocol_error(beast::error_code ec) {
  return ec.category() == beast::http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

// Stream: tcp::socket or TlsStream (handshake done).
template <class Stream>
class Session {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Session(Stream stream, ServerState& state) : stream_(std::move(stream)), state_(state) {}

  asio::awaitable<void> run() {
    for (;;) {
      Parser parser;
      parser.header_limit(kHeaderLimit);
      parser.body_limit(boost::none);  // /echo and /sink take bodies of any size
      auto ec = co_await buffer_head();
      if (!ec) std::tie(ec, std::ignore) = co_await http::async_read_header(stream_, buffer_, parser, kUseTuple);
      if (ec) {
        if (is_protocol_error(ec)) co_await reject(ec);
        break;
      }
      if (!co_await serve(parser)) break;
    }
    co_await close();
  }

 private:
  // Reads until a whole head is buffered and keeps a copy of it for /headers (wire order).
  // An oversized head is left for the parser to reject with header_limit.
  asio::awaitable<beast::error_code> buffer_head() {
    raw_head_.clear();
    for (;;) {
      const std::string_view have(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      if (const auto end = find_head_end(have); end != std::string_view::npos) {
        raw_head_.assign(have.substr(0, end));
        co_return beast::error_code{};
      }
      if (have.size() > kHeaderLimit) co_return beast::error_code{};
      if (have.empty() && !co_await next_request_in_time()) co_return http::error::end_of_stream;
      auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(16 * 1024), kUseTuple);
      buffer_.commit(n);
      // EOF is final here: Asio does not signal an edge-triggered EOF twice, so the parser must
      // not read again.
      if (ec == asio::error::eof) {
        co_return buffer_.size() == 0 ? http::error::end_of_stream : http::error::partial_message;
      }
      if (ec) co_return ec;
    }
  }

  // False when --idle-close-ms passed before the next request's first byte (the caller hangs
  // up); true at once without that option. With TLS it waits on the socket under the session,
  // so bytes the TLS layer already took off it do not count (the gateway does not pipeline).
  asio::awaitable<bool> next_request_in_time() {
    if (state_.misbehaviour.idle_close.count() == 0) co_return true;
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer idle(stream_.get_executor(), state_.misbehaviour.idle_close);
    auto& socket = beast::get_lowest_layer(stream_);
    const auto first = co_await (socket.async_wait(tcp::socket::wait_read, kUseTuple) || idle.async_wait(kUseTuple));
    co_return first.index() == 0;
  }

  // Serves one request; false when the connection must end.
  asio::awaitable<bool> serve(Parser& parser) {
    const auto& req = parser.get();
    const RequestHead head = make_head(req, raw_head_);
    if (head.path != "/__stats") {
      state_.stats.record(head.path);
      if (!counted_) state_.stats.record_connection();
      counted_ = true;
    }
    ++requests_;
    const bool keep_alive = req.keep_alive();
    const bool head_only = req.method() == http::verb::head;

    // curl waits a second for "100 Continue" before sending a big body; don't make it wait.
    if (!parser.is_done() && beast::iequals(req[http::field::expect], "100-continue")) {
      constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(kContinue), kUseTuple);
      if (ec) co_return false;
    }
    if (head.path == "/echo") co_return co_await echo(parser, keep_alive, head_only);
    if (head.path == "/ws-echo" && websocket::is_upgrade(req)) {
      co_await websocket_echo(req);
      co_return false;
    }

    Fnv1a64 checksum;
    std::uint64_t bytes = 0;
    if (const auto ec = co_await drain(parser, checksum, bytes)) {
      if (is_protocol_error(ec)) co_await reject(ec);
      co_return false;
    }

    const auto& misbehaviour = state_.misbehaviour;
    if (requests_ == misbehaviour.hang_up_on_request && head.path != "/__stats") co_return false;
    StringResponse res;
    // /__stats is the tests' own window into the server, not part of the act.
    if (!misbehaviour.allowed_host.empty() && head.path != "/__stats" &&
        req[http::field::host] != misbehaviour.allowed_host) {
      res = error_reply(state_, 400, head.version, "Invalid HTTP_HOST header");
    } else if (misbehaviour.answer_status != 0 && head.path != "/__stats") {
      res = error_reply(state_, misbehaviour.answer_status, head.version, "answering every request so (--answer-status)");
    } else if (head.path == "/close") {
      co_return false;
    } else if (head.path == "/garbage") {
      constexpr std::string_view kGarbage = "\x01\x02 this is not HTTP \xff\r\n\r\n";
      co_await asio::async_write(stream_, asio::buffer(kGarbage), kUseTuple);
      co_return false;
    } else if (head.path == "/bytes") {
      const auto n = parse_uint(query_param(head.query, "n").value_or(""));
      const bool chunked = query_param(head.query, "chunked") == "1";
      if (n) co_return co_await send_bytes(head.version, *n, chunked, keep_alive, head_only);
      res = error_reply(state_, 400, head.version, "bytes needs n=N");
    } else if (head.path == "/sink") {
      res = sink_reply(state_, head.version, bytes, checksum.hex(), req.chunked(), trailer_fields(req, raw_head_));
    } else if (head.path == "/delay") {
      const auto ms = parse_uint(query_param(head.query, "ms").value_or(""));
      if (ms && *ms <= kMaxDelayMs) {
        asio::steady_timer timer(stream_.get_executor(), std::chrono::milliseconds(*ms));
        co_await timer.async_wait(kUseTuple);
        res = delay_reply(state_, head.version, *ms);
        // close=1: answer with Connection: close and hang up, so the connection is not reusable.
        if (query_param(head.query, "close") == "1") {
          res.keep_alive(false);
          co_return co_await send(res, head_only) && false;
        }
      } else {
        res = error_reply(state_, 400, head.version, "delay needs ms=0..600000");
      }
    } else {
      res = make_reply(head, state_);
    }
    res.keep_alive(keep_alive);
    co_return co_await send(res, head_only) && keep_alive;
  }

  // /ws-echo: a WebSocket that sends every message back as it came (text or binary). Its 101 says
  // which identity it was given (X-Seen-User, "-" for none) and by whom (X-Served-By).
  asio::awaitable<void> websocket_echo(const http::request<http::buffer_body>& req) {
    websocket::stream<Stream> ws(std::move(stream_));
    const std::string user(req["X-User-Id"]);
    const std::string name = state_.name;
    ws.set_option(websocket::stream_base::decorator([user, name](websocket::response_type& response) {
      response.set("X-Seen-User", user.empty() ? std::string("-") : user);
      response.set("X-Served-By", name);
    }));
    ws.read_message_max(16 * 1024 * 1024);
    auto [accept_ec] = co_await ws.async_accept(req, kUseTuple);
    if (accept_ec) co_return;
    beast::flat_buffer message;
    for (;;) {
      auto [read_ec, n] = co_await ws.async_read(message, kUseTuple);
      if (read_ec) co_return;  // closed (its close frame answered by Beast) or gone
      ws.text(ws.got_text());
      auto [write_ec, written] = co_await ws.async_write(message.data(), kUseTuple);
      if (write_ec) co_return;
      message.consume(message.size());
    }
  }

  // Reads the rest of the body through the fixed buffer, hashing it on the way.
  asio::awaitable<beast::error_code> drain(Parser& parser, Fnv1a64& checksum, std::uint64_t& bytes) {
    auto& body = parser.get().body();
    while (!parser.is_done()) {
      body.data = chunk_.data();
      body.size = chunk_.size();
      auto [ec, n] = co_await http::async_read(stream_, buffer_, parser, kUseTuple);
      if (ec && ec != http::error::need_buffer) co_return ec;
      const std::size_t got = chunk_.size() - body.size;
      checksum.update(chunk_.data(), got);
      bytes += got;
    }
    co_return beast::error_code{};
  }

  // Relays each piece of the request body into the response as it arrives.
  asio::awaitable<bool> echo(Parser& parser, bool keep_alive, bool head_only) {
    const auto& req = parser.get();
    StreamResponse res{http::status::ok, req.version()};
    res.set("X-Served-By", state_.name);
    if (const auto it = req.find(http::field::content_type); it != req.end()) {
      res.set(http::field::content_type, it->value());
    }
    if (req.chunked()) {
      res.chunked(true);
    } else {
      res.content_length(parser.content_length().value_or(0));
    }
    res.keep_alive(keep_alive);
    http::response_serializer<http::buffer_body> sr{res};
    if (auto [ec, n] = co_await http::async_write_header(stream_, sr, kUseTuple); ec) co_return false;
    if (head_only) {
      Fnv1a64 ignored;
      std::uint64_t bytes = 0;
      co_return !co_await drain(parser, ignored, bytes) && keep_alive;
    }
    auto& in = parser.get().body();
    while (!parser.is_done()) {
      in.data = chunk_.data();
      in.size = chunk_.size();
      auto [rec, rn] = co_await http::async_read(stream_, buffer_, parser, kUseTuple);
      if (rec && rec != http::error::need_buffer) co_return false;  // head already sent: just close
      const std::size_t got = chunk_.size() - in.size;
      if (got == 0 && !parser.is_done()) continue;  // a zero-size piece would end a chunked body
      if (!co_await write_piece(sr, res, chunk_.data(), got, !parser.is_done())) co_return false;
    }
    co_return co_await finish(sr, res) && keep_alive;
  }

  asio::awaitable<bool> send_bytes(unsigned version, std::uint64_t n, bool chunked, bool keep_alive, bool head_only) {
    static const PatternSource kSource;
    StreamResponse res{http::status::ok, version};
    res.set("X-Served-By", state_.name);
    res.set(http::field::content_type, "application/octet-stream");
    if (chunked) {
      res.chunked(true);
    } else {
      res.content_length(n);
    }
    res.keep_alive(keep_alive);
    http::response_serializer<http::buffer_body> sr{res};
    if (auto [ec, w] = co_await http::async_write_header(stream_, sr, kUseTuple); ec) co_return false;
    if (head_only) co_return keep_alive;
    for (std::uint64_t off = 0; off < n;) {
      const auto piece = kSource.piece(off, n - off);
      off += piece.size();
      // buffer_body wants a mutable pointer; the serializer only reads through it.
      if (!co_await write_piece(sr, res, const_cast<char*>(piece.data()), piece.size(), off < n)) co_return false;
    }
    co_return co_await finish(sr, res) && keep_alive;
  }

  asio::awaitable<bool> write_piece(http::response_serializer<http::buffer_body>& sr, StreamResponse& res, char* data,
                                    std::size_t size, bool more) {
    // An empty final piece must be null: Beast would frame a non-null one as a "0" chunk and then
    // add the last-chunk too, ending the body twice.
    res.body().data = size == 0 ? nullptr : data;
    res.body().size = size;
    res.body().more = more;
    auto [ec, n] = co_await http::async_write(stream_, sr, kUseTuple);
    co_return !ec || ec == http::error::need_buffer;
  }

  // Emits whatever ends the body (the last chunk) if the pieces did not already.
  asio::awaitable<bool> finish(http::response_serializer<http::buffer_body>& sr, StreamResponse& res) {
    if (sr.is_done()) co_return true;
    co_return co_await write_piece(sr, res, nullptr, 0, false);
  }

  asio::awaitable<bool> send(StringResponse& res, bool head_only) {
    if (head_only) {
      http::response_serializer<http::string_body> sr{res};
      auto [ec, n] = co_await http::async_write_header(stream_, sr, kUseTuple);
      co_return !ec;
    }
    auto [ec, n] = co_await http::async_write(stream_, res, kUseTuple);
    co_return !ec;
  }

  asio::awaitable<void> reject(beast::error_code ec) {
    const unsigned code = ec == http::error::header_limit ? 431 : 400;
    StringResponse res = error_reply(state_, code, 11, ec.message());
    res.keep_alive(false);
    co_await send(res, false);
  }

  // TLS first sends close_notify (waiting a moment for the peer's), then both close the socket.
  asio::awaitable<void> close() {
    auto& socket = beast::get_lowest_layer(stream_);
    if constexpr (kTls) {
      using namespace asio::experimental::awaitable_operators;
      asio::steady_timer wait(socket.get_executor(), kCloseNotifyWait);
      // Not after /ws-echo: the WebSocket took the stream and closed it.
      if (socket.is_open()) co_await (stream_.async_shutdown(kUseTuple) || wait.async_wait(kUseTuple));
    }
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
  }

  Stream stream_;
  ServerState& state_;
  beast::flat_buffer buffer_;
  std::string raw_head_;
  bool counted_ = false;  // this connection is in Stats::connections
  std::uint64_t requests_ = 0;  // read on this connection so far
  std::vector<char> chunk_ = std::vector<char>(kPatternPiece);
};

}  // namespace

asio::awaitable<void> run_session(tcp::socket socket, ServerState& state) {
  Session<tcp::socket> session(std::move(socket), state);
  co_await session.run();
}

asio::awaitable<void> run_tls_session(tcp::socket socket, asio::ssl::context& tls, ServerState& state) {
  using namespace asio::experimental::awaitable_operators;
  TlsStream stream(std::move(socket), tls);
  asio::steady_timer deadline(stream.get_executor(), kTlsTimeout);
  const auto first = co_await (stream.async_handshake(TlsStream::server, kUseTuple) || deadline.async_wait(kUseTuple));
  const bool handshaken = first.index() == 0 && !std::get<0>(std::get<0>(first));
  if (!handshaken) {
    beast::error_code ignored;
    stream.next_layer().close(ignored);  // a failed or silent handshake: nothing to say in TLS
    co_return;
  }
  Session<TlsStream> session(std::move(stream), state);
  co_await session.run();
}

}  // namespace cutover::test::upstream
