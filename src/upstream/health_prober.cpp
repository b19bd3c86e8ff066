// The prober's I/O: a loop per endpoint on the control thread. Off the data path, so it uses
// Beast's parser and plain timers; what a result means is BackendHealth's to decide.
#include "cutover/upstream/health_prober.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

namespace cutover::upstream {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using boost::system::error_code;

constexpr std::size_t kMaxCheckHeaderBytes = 16 * 1024;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

struct CheckResult {
  bool passed = false;
  std::string detail;  // why it failed
};

}  // namespace

std::string check_request(const config::HealthCheckConfig& check, std::string_view host) {
  std::string request = "GET " + check.path + " HTTP/1.1\r\nHost: ";
  request += host;
  request += "\r\nUser-Agent: cutover-health-check/" CUTOVER_VERSION "\r\nAccept: */*\r\nConnection: close\r\n\r\n";
  return request;
}

struct HealthProber::Probe : std::enable_shared_from_this<Probe> {
  explicit Probe(asio::any_io_executor executor, ProbeTarget t)
      : target(std::move(t)), socket(executor), deadline(executor), pause(executor) {}

  void stop() {
    stopped = true;
    error_code ignored;
    socket.close(ignored);
    deadline.cancel();
    pause.cancel();
  }

  asio::awaitable<CheckResult> check_once() {
    socket = tcp::socket(socket.get_executor());
    timed_out = false;
    deadline.expires_after(target.check.timeout);
    deadline.async_wait([self = shared_from_this()](error_code ec) {
      if (ec) return;
      self->timed_out = true;
      error_code ignored;
      self->socket.close(ignored);
    });
    CheckResult result = co_await exchange();
    deadline.cancel();
    error_code ignored;
    socket.close(ignored);
    if (timed_out) result = {false, "no answer within " + std::to_string(target.check.timeout.count()) + "ms"};
    co_return result;
  }

  asio::awaitable<CheckResult> exchange() {
    auto [connect_ec] = co_await socket.async_connect(target.address, kAwait);
    if (connect_ec) co_return CheckResult{false, "connect: " + connect_ec.message()};
    if (!target.tls) co_return co_await ask(socket);
    if (!ssl_context) {  // Asio's wrapper takes a reference of its own to the backend's context
      SSL_CTX_up_ref(target.tls->get());
      ssl_context.emplace(target.tls->get());
    }
    asio::ssl::stream<tcp::socket&> stream(socket, *ssl_context);
    const std::string& name = target.server_name;
    error_code not_an_address;
    asio::ip::make_address(name, not_an_address);
    if (!name.empty() && not_an_address) SSL_set_tlsext_host_name(stream.native_handle(), name.c_str());
    if (target.tls->verify()) stream.set_verify_callback(asio::ssl::host_name_verification(name));
    auto [handshake_ec] = co_await stream.async_handshake(asio::ssl::stream_base::client, kAwait);
    if (handshake_ec) co_return CheckResult{false, "TLS handshake: " + handshake_ec.message()};
    co_return co_await ask(stream);
  }

  template <class Stream>
  asio::awaitable<CheckResult> ask(Stream& stream) {
    const std::string request = check_request(target.check, target.host);
    auto [write_ec, written] = co_await asio::async_write(stream, asio::buffer(request), kAwait);
    if (write_ec) co_return CheckResult{false, "send: " + write_ec.message()};
    boost::beast::flat_buffer buffer(kMaxCheckHeaderBytes + 1024);
    bhttp::response_parser<bhttp::empty_body> parser;
    parser.header_limit(kMaxCheckHeaderBytes);
    auto [read_ec, read] = co_await bhttp::async_read_header(stream, buffer, parser, kAwait);
    if (read_ec) co_return CheckResult{false, "response: " + read_ec.message()};
    const unsigned status = parser.get().result_int();
    if (!status_passes(status, target.check)) co_return CheckResult{false, "status " + std::to_string(status)};
    co_return CheckResult{true, {}};
  }

  asio::awaitable<void> run() {
    auto self = shared_from_this();  // alive while the loop is
    while (!stopped) {
      CheckResult result = co_await check_once();
      if (stopped) break;
      target.health->check_result(target.endpoint, result.passed, result.detail, std::chrono::steady_clock::now());
      pause.expires_after(target.check.interval);
      co_await pause.async_wait(kAwait);
    }
  }

  ProbeTarget target;
  std::optional<asio::ssl::context> ssl_context;
  tcp::socket socket;
  asio::steady_timer deadline;
  asio::steady_timer pause;
  bool timed_out = false;
  bool stopped = false;
};

void HealthProber::follow(std::vector<ProbeTarget> targets) {
  stop();
  for (auto& target : targets) {
    auto probe = std::make_shared<Probe>(executor_, std::move(target));
    probes_.push_back(probe);
    asio::co_spawn(executor_, probe->run(), asio::detached);
  }
}

void HealthProber::stop() {
  for (auto& probe : probes_) probe->stop();
  probes_.clear();
}

}  // namespace cutover::upstream
