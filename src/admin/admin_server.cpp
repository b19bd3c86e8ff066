#include "cutover/admin/admin_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>

#include "cutover/admin/handlers.hpp"

namespace cutover::admin {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

constexpr auto kAdminTimeout = std::chrono::seconds(10);
constexpr std::size_t kMaxAdminBody = 1 << 20;  // admin calls are small JSON documents

asio::awaitable<void> serve(tcp::socket socket, ControlPlane& control) {
  boost::system::error_code peer_ec;
  const std::string peer = socket.remote_endpoint(peer_ec).address().to_string();
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(kMaxAdminBody);
    parser.header_limit(16 * 1024);
    stream.expires_after(kAdminTimeout);
    auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout) break;
      // Named before co_await: GCC 12 double-destroys temporaries inside co_await expressions.
      bhttp::response<bhttp::string_body> bad{bhttp::status::bad_request, 11};
      bad.set(bhttp::field::content_type, "application/json");
      bad.body() = R"({"error":"bad_request","status":400,"message":"malformed HTTP request"})" "\n";
      bad.keep_alive(false);
      bad.prepare_payload();
      co_await bhttp::async_write(stream, bad, asio::as_tuple(asio::use_awaitable));
      break;
    }
    auto& request = parser.get();
    AdminRequest admin_request{request.method_string(), request.target(), request[bhttp::field::authorization],
                               request.body(), peer};
    // The token of the config serving now: a reload (or the watch) rotates it without a restart.
    const auto snapshot = control.snapshot();
    AdminReply answer = handle_admin(admin_request, control, snapshot->config.admin.token);
    bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(answer.status), request.version()};
    response.set(bhttp::field::server, "cutover-admin");
    response.set(bhttp::field::content_type, answer.content_type);
    response.set(bhttp::field::cache_control, "no-store");
    response.body() = std::move(answer.body);
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    if (request.method() == bhttp::verb::head) response.body().clear();
    auto [write_ec, written] = co_await bhttp::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
    if (write_ec || !response.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace

AdminServer::AdminServer(asio::io_context& io, ControlPlane& control)
    : io_(io), control_(control), acceptor_(io) {}

tcp::endpoint AdminServer::listen(const tcp::endpoint& endpoint) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  asio::co_spawn(io_, [this]() -> asio::awaitable<void> {
    while (acceptor_.is_open()) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
        continue;
      }
      asio::co_spawn(io_, serve(std::move(socket), control_), asio::detached);
    }
  }, asio::detached);
  return acceptor_.local_endpoint();
}

void AdminServer::close() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

}  // namespace cutover::admin
