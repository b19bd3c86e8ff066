#include "support/http_client.hpp"

#include "support/http_internal.hpp"
#include "support/raw_head.hpp"

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/string.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

namespace cutover::test {

using namespace detail;  // NOLINT: the shared plumbing reads better unqualified here

namespace {

// Head and body in one gather write; a chunked body goes out as a single chunk.
asio::awaitable<std::error_code> write_request(tcp::socket& socket, const std::string& head, std::string_view body,
                                               bool chunked) {
  const std::string prefix = chunked && !body.empty() ? chunk_size_line(body.size()) : "";
  const std::string_view suffix = !chunked ? "" : body.empty() ? "0\r\n\r\n" : "\r\n0\r\n\r\n";
  const std::array<asio::const_buffer, 4> buffers{asio::buffer(head), asio::buffer(prefix),
                                                  asio::buffer(body.data(), body.size()),
                                                  asio::buffer(suffix.data(), suffix.size())};
  auto [ec, n] = co_await asio::async_write(socket, buffers, kUseTuple);
  co_return ec;
}

asio::awaitable<std::error_code> read_message(ClientSocket& c, http::response_parser<http::string_body>& parser,
                                              std::string& raw_head) {
  if (const auto ec = co_await read_raw_head(c, raw_head)) co_return ec;
  auto [ec, n] = co_await http::async_read(c.socket, c.buffer, parser, kUseTuple);
  co_return ec;
}

asio::awaitable<std::error_code> read_all(ClientSocket& c) {
  for (;;) {
    auto [ec, n] = co_await c.socket.async_read_some(c.buffer.prepare(64 * 1024), kUseTuple);
    c.buffer.commit(n);
    if (ec) co_return ec;
  }
}

// Parsers are neither copyable nor movable, so they are configured in place.
void configure(http::response_parser<http::string_body>& parser, bool head_request) {
  parser.body_limit(boost::none);
  parser.header_limit(kResponseHeaderLimit);
  if (head_request) parser.skip(true);  // a HEAD response has Content-Length but no body
}

Response to_response(http::response<http::string_body>& msg, const std::string& raw_head) {
  Response out;
  out.status = static_cast<int>(msg.result_int());
  out.reason = std::string(msg.reason());
  out.version = msg.version();
  out.headers = parse_head_fields(raw_head);
  out.keep_alive = msg.keep_alive();
  out.chunked = msg.chunked();
  out.body = std::move(msg.body());
  return out;
}

bool same_name(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

}  // namespace

std::optional<std::string> find_header(const Headers& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (same_name(n, name)) return v;
  }
  return std::nullopt;
}

std::vector<std::string> find_headers(const Headers& headers, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : headers) {
    if (same_name(n, name)) out.push_back(v);
  }
  return out;
}

struct HttpConnection::Impl {
  explicit Impl(std::uint16_t port) : c(port) {}
  Clock::time_point deadline() const { return Clock::now() + timeout; }

  ClientSocket c;
  std::chrono::milliseconds timeout = kDefaultTimeout;
};

HttpConnection::HttpConnection(std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(port)) {
  impl_->timeout = timeout;
  if (const auto ec = connect(impl_->c, impl_->deadline())) {
    throw std::system_error(ec, "connect to 127.0.0.1:" + std::to_string(port));
  }
}

HttpConnection::~HttpConnection() = default;
HttpConnection::HttpConnection(HttpConnection&&) noexcept = default;
HttpConnection& HttpConnection::operator=(HttpConnection&&) noexcept = default;

Response HttpConnection::request(const Request& request) {
  if (!is_open()) return Response{.error = std::make_error_code(std::errc::not_connected)};
  const bool framed = has_header(request.headers, "content-length") || has_header(request.headers, "transfer-encoding");
  const bool wants_length =
      !request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
  const std::string head =
      request_head(HeadSpec{.method = request.method,
                            .target = request.target,
                            .headers = request.headers,
                            .add_host = request.add_host,
                            .content_length = !framed && !request.chunked && wants_length
                                                  ? std::optional<std::uint64_t>(request.body.size())
                                                  : std::nullopt,
                            .chunked = request.chunked && !has_header(request.headers, "transfer-encoding")},
                   impl_->c.port);

  http::response_parser<http::string_body> parser;
  configure(parser, request.method == "HEAD");
  std::string raw_head;
  const auto outcome = run_duplex(impl_->c, write_request(impl_->c.socket, head, request.body, request.chunked),
                                  read_message(impl_->c, parser, raw_head), impl_->deadline());
  if (outcome.timed_out || outcome.read) {
    close();
    return Response{.error = outcome.timed_out ? timed_out() : outcome.read};
  }
  Response out = to_response(parser.get(), raw_head);
  if (!out.keep_alive || outcome.write) close();
  return out;
}

Response HttpConnection::get(std::string target, Headers headers) {
  return request(Request{.target = std::move(target), .headers = std::move(headers)});
}

std::error_code HttpConnection::send_raw(std::string_view bytes) {
  if (!is_open()) return std::make_error_code(std::errc::not_connected);
  std::error_code result;
  bool finished = false;
  asio::async_write(impl_->c.socket, asio::buffer(bytes.data(), bytes.size()),
                    [&](const boost::system::error_code& ec, std::size_t) {
                      result = ec;
                      finished = true;
                    });
  if (!run_until(impl_->c, impl_->deadline(), [&] { return finished; })) return timed_out();
  return result;
}

Response HttpConnection::read_response(bool head_request) {
  if (!is_open() && impl_->c.buffer.size() == 0) {
    return Response{.error = std::make_error_code(std::errc::not_connected)};
  }
  http::response_parser<http::string_body> parser;
  configure(parser, head_request);
  std::string raw_head;
  std::error_code result;
  bool finished = false;
  asio::co_spawn(impl_->c.ioc, read_message(impl_->c, parser, raw_head), [&](std::exception_ptr, std::error_code ec) {
    result = ec;
    finished = true;
  });
  if (!run_until(impl_->c, impl_->deadline(), [&] { return finished; })) return Response{.error = timed_out()};
  if (result) {
    close();
    return Response{.error = result};
  }
  Response out = to_response(parser.get(), raw_head);
  if (!out.keep_alive) close();
  return out;
}

std::string HttpConnection::read_until_close() {
  if (is_open()) {
    bool finished = false;
    asio::co_spawn(impl_->c.ioc, read_all(impl_->c), [&](std::exception_ptr, std::error_code) { finished = true; });
    run_until(impl_->c, impl_->deadline(), [&] { return finished; });
    close();
  }
  std::string out = beast::buffers_to_string(impl_->c.buffer.data());
  impl_->c.buffer.consume(impl_->c.buffer.size());
  return out;
}

bool HttpConnection::closed_by_peer(std::chrono::milliseconds wait) {
  if (!is_open()) return true;
  if (impl_->c.buffer.size() > 0) return false;
  const int fd = impl_->c.socket.native_handle();
  pollfd p{.fd = fd, .events = POLLIN | POLLRDHUP, .revents = 0};
  if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return false;
  char byte = 0;
  const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;
  if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;  // reset counts as closed
  return false;
}

bool HttpConnection::is_open() const { return impl_->c.socket.is_open(); }

void HttpConnection::close() {
  boost::system::error_code ignored;
  impl_->c.socket.close(ignored);
}

void HttpConnection::set_timeout(std::chrono::milliseconds timeout) { impl_->timeout = timeout; }
std::uint16_t HttpConnection::port() const { return impl_->c.port; }

std::uint16_t HttpConnection::local_port() const {
  boost::system::error_code ec;
  const auto endpoint = impl_->c.socket.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

Response http_request(std::uint16_t port, const Request& request, std::chrono::milliseconds timeout) {
  try {
    HttpConnection connection(port, timeout);
    return connection.request(request);
  } catch (const std::system_error& e) {
    return Response{.error = e.code()};
  }
}

Response http_get(std::uint16_t port, std::string target, Headers headers, std::chrono::milliseconds timeout) {
  return http_request(port, Request{.target = std::move(target), .headers = std::move(headers)}, timeout);
}

}  // namespace cutover::test
