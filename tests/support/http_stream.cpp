// Streaming upload/download helpers: the body never exists in memory as a whole.
#include "support/http_client.hpp"

#include "support/http_internal.hpp"
#include "support/patterns.hpp"
#include "support/raw_head.hpp"

#include <array>

namespace cutover::test {

using namespace detail;  // NOLINT: the shared plumbing reads better unqualified here

namespace {

using StreamParser = http::response_parser<http::buffer_body>;

asio::awaitable<std::error_code> write_head(tcp::socket& socket, const std::string& head) {
  auto [ec, n] = co_await asio::async_write(socket, asio::buffer(head), kUseTuple);
  co_return ec;
}

// The pattern in kPatternPiece writes, each piece one chunk when chunked.
asio::awaitable<std::error_code> upload_pattern(tcp::socket& socket, const std::string& head, std::uint64_t bytes,
                                                bool chunked) {
  static const PatternSource kSource;
  if (const auto ec = co_await write_head(socket, head)) co_return ec;
  constexpr std::string_view kCrlf = "\r\n";
  for (std::uint64_t off = 0; off < bytes;) {
    const auto piece = kSource.piece(off, bytes - off);
    off += piece.size();
    const std::string size_line = chunked ? chunk_size_line(piece.size()) : "";
    const std::array<asio::const_buffer, 3> buffers{asio::buffer(size_line), asio::buffer(piece.data(), piece.size()),
                                                    asio::buffer(kCrlf.data(), chunked ? kCrlf.size() : 0)};
    auto [ec, n] = co_await asio::async_write(socket, buffers, kUseTuple);
    if (ec) co_return ec;
  }
  if (chunked) co_return co_await write_head(socket, "0\r\n\r\n");
  co_return std::error_code{};
}

// Reads head and body through a 64 KiB buffer, hashing and keeping only the first bytes.
asio::awaitable<std::error_code> download(ClientSocket& c, StreamParser& parser, std::string& raw_head,
                                          StreamResult& out) {
  if (const auto ec = co_await read_raw_head(c, raw_head)) co_return ec;
  if (auto [ec, n] = co_await http::async_read_header(c.socket, c.buffer, parser, kUseTuple); ec) co_return ec;
  Fnv1a64 checksum;
  std::vector<char> chunk(kPatternPiece);
  auto& body = parser.get().body();
  while (!parser.is_done()) {
    body.data = chunk.data();
    body.size = chunk.size();
    auto [ec, n] = co_await http::async_read(c.socket, c.buffer, parser, kUseTuple);
    if (ec && ec != http::error::need_buffer) co_return ec;
    const std::size_t got = chunk.size() - body.size;
    checksum.update(chunk.data(), got);
    out.bytes += got;
    if (out.body.size() < kStreamBodyKept) {
      out.body.append(chunk.data(), std::min(got, kStreamBodyKept - out.body.size()));
    }
  }
  out.checksum = checksum.hex();
  co_return std::error_code{};
}

// Parsers are neither copyable nor movable, so they are configured in place.
void configure(StreamParser& parser) {
  parser.body_limit(boost::none);
  parser.header_limit(kResponseHeaderLimit);
}

// Connects, runs `writer` against the download, and fills in the outcome.
template <class MakeWriter>
StreamResult exchange(std::uint16_t port, Clock::time_point deadline, MakeWriter make_writer) {
  ClientSocket c(port);
  StreamResult out;
  if (const auto ec = detail::connect(c, deadline)) {
    out.error = ec;
    return out;
  }
  StreamParser parser;
  configure(parser);
  std::string raw_head;
  const auto outcome = run_duplex(c, make_writer(c.socket), download(c, parser, raw_head, out), deadline);
  // A complete answer counts even if the upload was cut short (an early 413, say).
  if (outcome.timed_out) {
    out.error = timed_out();
  } else if (outcome.read) {
    out.error = outcome.read;
  }
  if (parser.is_header_done()) {
    const auto& msg = parser.get();
    out.status = static_cast<int>(msg.result_int());
    out.headers = parse_head_fields(raw_head);
    out.chunked = msg.chunked();
  }
  return out;
}

}  // namespace

StreamResult stream_upload(std::uint16_t port, std::string target, std::uint64_t bytes, bool chunked, Headers headers,
                           std::chrono::milliseconds timeout) {
  if (!has_header(headers, "content-type")) headers.emplace_back("Content-Type", "application/octet-stream");
  const std::string head = request_head(HeadSpec{.method = "POST",
                                                 .target = target,
                                                 .headers = headers,
                                                 .add_host = true,
                                                 .content_length = chunked ? std::nullopt : std::optional(bytes),
                                                 .chunked = chunked},
                                        port);
  return exchange(port, Clock::now() + timeout,
                  [&](tcp::socket& socket) { return upload_pattern(socket, head, bytes, chunked); });
}

StreamResult stream_download(std::uint16_t port, std::string target, Headers headers,
                             std::chrono::milliseconds timeout) {
  const std::string head = request_head(HeadSpec{.method = "GET", .target = target, .headers = headers}, port);
  return exchange(port, Clock::now() + timeout, [&](tcp::socket& socket) { return write_head(socket, head); });
}

}  // namespace cutover::test
