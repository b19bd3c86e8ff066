#include "support/tls_client.hpp"

#include "support/http_internal.hpp"
#include "support/test_certs.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <system_error>

namespace cutover::test {

using namespace detail;  // NOLINT: the shared plumbing reads better unqualified here
namespace ssl = asio::ssl;

struct TlsConnection::Impl {
  Impl(std::uint16_t p, TlsClientOptions o) : port(p), options(std::move(o)) {}

  // Starts one asynchronous operation through `start(handler)` and runs the context until it
  // completes; the tcp_stream's expiry bounds every read and write underneath.
  template <class Start>
  boost::system::error_code run(Start start) {
    boost::system::error_code result = asio::error::would_block;
    stream.next_layer().expires_after(options.timeout);
    start([&result](boost::system::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  std::uint16_t port;
  TlsClientOptions options;
  asio::io_context ioc{1};
  ssl::context ctx{ssl::context::tls_client};
  ssl::stream<beast::tcp_stream> stream{ioc, ctx};
  beast::flat_buffer buffer;
};

namespace {

[[noreturn]] void fail(const boost::system::error_code& ec, const std::string& what) {
  throw std::system_error(static_cast<std::error_code>(ec), what);
}

}  // namespace

TlsConnection::TlsConnection(std::uint16_t port, TlsClientOptions options)
    : impl_(std::make_unique<Impl>(port, std::move(options))) {
  auto& c = *impl_;
  if (!c.options.ca_file.empty()) {
    c.ctx.load_verify_file(c.options.ca_file.string());
    c.ctx.set_verify_mode(ssl::verify_peer);
    if (!c.options.server_name.empty()) {
      c.stream.set_verify_callback(ssl::host_name_verification(c.options.server_name));
    }
  }
  if (!c.options.server_name.empty()) SSL_set_tlsext_host_name(c.stream.native_handle(), c.options.server_name.c_str());
  if (!c.options.alpn.empty()) {
    std::string wire;  // length-prefixed protocol names
    for (const auto& name : c.options.alpn) wire += static_cast<char>(name.size()) + name;
    SSL_set_alpn_protos(c.stream.native_handle(), reinterpret_cast<const unsigned char*>(wire.data()),
                        static_cast<unsigned>(wire.size()));
  }
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  if (auto ec = c.run([&](auto handler) { c.stream.next_layer().async_connect(endpoint, handler); })) {
    fail(ec, "connect");
  }
  if (auto ec = c.run([&](auto handler) { c.stream.async_handshake(ssl::stream_base::client, handler); })) {
    fail(ec, "TLS handshake");
  }
}

TlsConnection::~TlsConnection() = default;
TlsConnection::TlsConnection(TlsConnection&&) noexcept = default;
TlsConnection& TlsConnection::operator=(TlsConnection&&) noexcept = default;

Response TlsConnection::request(const Request& request) {
  auto& c = *impl_;
  Headers headers = request.headers;
  if (request.add_host && !c.options.server_name.empty() && !has_header(headers, "host")) {
    headers.insert(headers.begin(), {"Host", c.options.server_name + ":" + std::to_string(c.port)});
  }
  const bool framed = has_header(headers, "content-length") || has_header(headers, "transfer-encoding");
  const bool wants_length = !request.body.empty() || request.method == "POST" || request.method == "PUT" ||
                            request.method == "PATCH";
  const std::string bytes = request_head({.method = request.method,
                                          .target = request.target,
                                          .headers = headers,
                                          .add_host = request.add_host,
                                          .content_length = !framed && wants_length
                                                                ? std::optional<std::uint64_t>(request.body.size())
                                                                : std::nullopt}, c.port) +
                            request.body;
  Response out;
  if (auto ec = c.run([&](auto handler) { asio::async_write(c.stream, asio::buffer(bytes), handler); })) {
    out.error = static_cast<std::error_code>(ec);
    return out;
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(boost::none);
  parser.header_limit(kResponseHeaderLimit);
  if (request.method == "HEAD") parser.skip(true);
  if (auto ec = c.run([&](auto handler) { http::async_read(c.stream, c.buffer, parser, handler); })) {
    out.error = ec == beast::error::timeout ? timed_out() : static_cast<std::error_code>(ec);
    return out;
  }
  auto& msg = parser.get();
  out.status = static_cast<int>(msg.result_int());
  out.reason = std::string(msg.reason());
  out.version = msg.version();
  for (const auto& field : msg) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  out.keep_alive = msg.keep_alive();
  out.chunked = msg.chunked();
  out.body = std::move(msg.body());
  return out;
}

Response TlsConnection::get(std::string target, Headers headers) {
  return request({.method = "GET", .target = std::move(target), .headers = std::move(headers)});
}

bool TlsConnection::closed_by_peer(std::chrono::milliseconds wait) {
  auto& c = *impl_;
  if (c.buffer.size() > 0) return false;
  const auto saved = c.options.timeout;
  c.options.timeout = wait;
  const auto ec = c.run([&](auto handler) { c.stream.async_read_some(c.buffer.prepare(16 * 1024), handler); });
  c.options.timeout = saved;
  // A timeout closes the socket underneath: this connection is done either way, but the answer
  // is whether the peer closed it.
  return ec && ec != beast::error::timeout;
}

std::string TlsConnection::peer_certificate_pem() const {
  X509* cert = SSL_get1_peer_certificate(impl_->stream.native_handle());
  if (cert == nullptr) return {};
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  X509_free(cert);
  return first_certificate_pem(pem);
}

std::string TlsConnection::protocol() const { return SSL_get_version(impl_->stream.native_handle()); }

std::string TlsConnection::alpn() const {
  const unsigned char* data = nullptr;
  unsigned size = 0;
  SSL_get0_alpn_selected(impl_->stream.native_handle(), &data, &size);
  return data == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(data), size);
}

std::uint16_t TlsConnection::local_port() const {
  boost::system::error_code ec;
  return impl_->stream.next_layer().socket().local_endpoint(ec).port();
}

}  // namespace cutover::test
