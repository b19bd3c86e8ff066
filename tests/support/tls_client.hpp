// A keep-alive HTTPS connection for tests (Beast over asio::ssl::stream): what curl cannot do in
// one process, such as keeping a TLS connection open across a reload and asking it afterwards
// which certificate it got. Every call has a deadline; transport failures land in
// Response::error, as with HttpConnection.
#pragma once

#include "support/http_client.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace cutover::test {

struct TlsClientOptions {
  // SNI, the name verified, and the default Host (NAME:PORT); empty: no SNI, no name check, and
  // Host 127.0.0.1:PORT.
  std::string server_name{};
  // The chain is verified against this file; empty: not verified at all.
  std::filesystem::path ca_file{};
  std::vector<std::string> alpn{};  // protocols offered, in order; empty: no ALPN extension
  std::chrono::milliseconds timeout = kDefaultTimeout;
};

class TlsConnection {
 public:
  // Connects to 127.0.0.1:port and completes the handshake; throws std::system_error (the
  // verification failure, the refusal, the timeout) otherwise.
  explicit TlsConnection(std::uint16_t port, TlsClientOptions options = {});
  ~TlsConnection();
  TlsConnection(TlsConnection&&) noexcept;
  TlsConnection& operator=(TlsConnection&&) noexcept;

  // Framing as HttpConnection::request (Content-Length added for a body or POST/PUT/PATCH; no
  // chunked bodies). Response headers come in Beast's order, not necessarily the wire's.
  Response request(const Request& request);
  Response get(std::string target, Headers headers = {});

  // True once the peer has closed (close_notify, EOF or reset) within `wait`.
  bool closed_by_peer(std::chrono::milliseconds wait = std::chrono::milliseconds(1000));

  // The handshake as it happened.
  std::string peer_certificate_pem() const;  // as first_certificate_pem (test_certs.hpp) gives it
  std::string protocol() const;              // "TLSv1.3"
  std::string alpn() const;                  // selected protocol, empty when none
  std::uint16_t local_port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cutover::test
