// Synchronous HTTP/1.1 client for tests (Beast underneath). Every call has a deadline, so a test
// can fail but never hang. Transport failures do not throw: they land in Response::error.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace cutover::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::chrono::milliseconds kDefaultTimeout{10'000};
inline constexpr std::chrono::milliseconds kStreamTimeout{120'000};
// StreamResult::body keeps at most this many leading bytes; bytes/checksum cover all of it.
inline constexpr std::size_t kStreamBodyKept = 1024 * 1024;

// First value of `name` (case-insensitive), nullopt when absent.
std::optional<std::string> find_header(const Headers& headers, std::string_view name);
// Every value of `name` in order.
std::vector<std::string> find_headers(const Headers& headers, std::string_view name);

// The head is written byte for byte as given (no validation, no regrouping). Framing:
//  - chunked: the body goes out as one chunk + last-chunk; "Transfer-Encoding: chunked" is added
//    unless `headers` already has a Transfer-Encoding.
//  - otherwise "Content-Length" is added (last) when there is a body or the method is
//    POST/PUT/PATCH, unless `headers` already has Content-Length or Transfer-Encoding: then the
//    body is sent verbatim, so a test can frame it by hand (or use send_raw).
struct Request {
  std::string method = "GET";
  std::string target = "/";
  Headers headers{};  // sent in this order, duplicates kept
  std::string body{};
  bool chunked = false;
  bool add_host = true;  // add "Host: 127.0.0.1:PORT" first unless `headers` has a Host
};

struct Response {
  int status = 0;  // 0 when error is set
  std::string reason{};
  unsigned version = 11;
  Headers headers{};  // as received: order, case and duplicates kept
  std::string body{};
  bool keep_alive = false;
  bool chunked = false;
  std::error_code error{};  // connect/read/write failure; std::errc::timed_out on deadline

  std::optional<std::string> header(std::string_view name) const { return find_header(headers, name); }
  std::vector<std::string> header_values(std::string_view name) const { return find_headers(headers, name); }
};

// One keep-alive connection to 127.0.0.1:port. Safe to use many from different threads, each
// from one thread at a time.
class HttpConnection {
 public:
  // Connects; throws std::system_error on refusal or timeout.
  explicit HttpConnection(std::uint16_t port, std::chrono::milliseconds timeout = kDefaultTimeout);
  ~HttpConnection();
  HttpConnection(HttpConnection&&) noexcept;
  HttpConnection& operator=(HttpConnection&&) noexcept;

  // Writes the request while reading the response (a big echo cannot deadlock). If the response
  // completes before the request was fully written (early 413, ...), the write is abandoned and
  // the connection closed. After a response without keep-alive the connection is closed too.
  Response request(const Request& request);
  Response get(std::string target, Headers headers = {});

  // Malformed-input tests: bytes go out verbatim; read_response parses whatever comes back.
  std::error_code send_raw(std::string_view bytes);
  Response read_response(bool head_request = false);
  // Every byte until the peer closes (or the deadline); for non-HTTP answers like /garbage.
  std::string read_until_close();

  // True once the peer has closed (EOF or reset), waiting up to `wait` for it to happen.
  // False while the connection is open or unread response bytes are pending.
  bool closed_by_peer(std::chrono::milliseconds wait = std::chrono::milliseconds(1000));
  bool is_open() const;
  void close();

  void set_timeout(std::chrono::milliseconds timeout);
  std::uint16_t port() const;
  std::uint16_t local_port() const;  // to correlate with the server's logs

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One-shot request on a fresh connection; a failed connect is reported in Response::error.
Response http_request(std::uint16_t port, const Request& request, std::chrono::milliseconds timeout = kDefaultTimeout);
Response http_get(std::uint16_t port, std::string target, Headers headers = {},
                  std::chrono::milliseconds timeout = kDefaultTimeout);

// Big bodies without holding them: uploads stream the deterministic pattern (patterns.hpp),
// downloads hash as they read.
struct StreamResult {
  int status = 0;
  Headers headers{};
  std::uint64_t bytes = 0;  // response body bytes received
  std::string checksum{};   // fnv1a64 hex of the whole response body
  std::string body{};       // its first kStreamBodyKept bytes
  bool chunked = false;     // the response was chunked
  std::error_code error{};

  std::optional<std::string> header(std::string_view name) const { return find_header(headers, name); }
};

// POSTs `bytes` pattern bytes (Content-Length or chunked, 64 KiB writes) while reading the reply.
StreamResult stream_upload(std::uint16_t port, std::string target, std::uint64_t bytes, bool chunked,
                           Headers headers = {}, std::chrono::milliseconds timeout = kStreamTimeout);
// GETs `target` and hashes the body as it arrives.
StreamResult stream_download(std::uint16_t port, std::string target, Headers headers = {},
                             std::chrono::milliseconds timeout = kStreamTimeout);

}  // namespace cutover::test
