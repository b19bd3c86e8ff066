#include "probe_command.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <optional>

namespace cutover {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kBodyLimit = 64 * 1024;  // health answers are a line of JSON

struct Target {
  std::string host;
  std::string port;
  std::string path;
};

std::optional<Target> parse_target(const std::string& url, std::string& why) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) {
    why = "not an absolute URL";
    return std::nullopt;
  }
  if (parsed->scheme() != "http" || !parsed->has_authority() || parsed->host().empty()) {
    why = "only http://HOST[:PORT]/PATH is supported";
    return std::nullopt;
  }
  Target target{parsed->host(), parsed->has_port() ? std::string(parsed->port()) : "80",
                std::string(parsed->encoded_target())};
  if (target.path.empty()) target.path = "/";
  // [::1] in a URL; the resolver wants ::1.
  if (target.host.size() > 2 && target.host.front() == '[') target.host = target.host.substr(1, target.host.size() - 2);
  return target;
}

asio::awaitable<void> get(const Target& target, std::chrono::milliseconds timeout,
                          http::response<http::string_body>& response, beast::error_code& error) {
  auto executor = co_await asio::this_coro::executor;
  beast::tcp_stream stream(executor);
  stream.expires_after(timeout);  // one budget for the whole exchange
  tcp::resolver resolver(executor);
  auto [resolve_error, endpoints] =
      co_await resolver.async_resolve(target.host, target.port, asio::as_tuple(asio::use_awaitable));
  if ((error = resolve_error)) co_return;
  auto [connect_error, endpoint] = co_await stream.async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
  if ((error = connect_error)) co_return;
  http::request<http::empty_body> request{http::verb::get, target.path, 11};
  request.set(http::field::host, target.host);
  request.set(http::field::user_agent, "cutover-probe");
  request.set(http::field::connection, "close");
  auto [write_error, written] = co_await http::async_write(stream, request, asio::as_tuple(asio::use_awaitable));
  if ((error = write_error)) co_return;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kBodyLimit);
  auto [read_error, read] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  if ((error = read_error)) co_return;
  response = parser.release();
}

}  // namespace

int run_probe(const std::string& url, std::chrono::milliseconds timeout, std::ostream& out, std::ostream& err) {
  std::string why;
  const auto target = parse_target(url, why);
  if (!target) {
    err << "probe: " << url << ": " << why << "\n";
    return 1;
  }
  asio::io_context io;
  http::response<http::string_body> response;
  beast::error_code error;
  asio::co_spawn(io, get(*target, timeout, response, error), asio::detached);
  io.run();
  if (error) {
    err << "probe: " << url << ": " << (error == beast::error::timeout ? "no answer within the timeout" : error.message())
        << "\n";
    return 1;
  }
  const auto status = response.result_int();
  if (status / 100 != 2) {
    err << "probe: " << url << ": status " << status << " " << response.body() << "\n";
    return 1;
  }
  out << response.body() << (response.body().ends_with('\n') ? "" : "\n");
  return 0;
}

}  // namespace cutover
