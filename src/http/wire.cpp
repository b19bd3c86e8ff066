#include "http/wire.hpp"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/status.hpp>

#include <cerrno>
#include <charconv>

namespace cutover::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

void append_version(std::string& out, unsigned version) {
  out += version >= 11 ? "HTTP/1.1" : "HTTP/1.0";
}

void append_fields(std::string& out, const bhttp::fields& fields) {
  for (const auto& field : fields) {
    out += field.name_string();
    out += ": ";
    out += field.value();
    out += "\r\n";
  }
  out += "\r\n";
}

}  // namespace

void append_head(std::string& out, const bhttp::request_header<>& head) {
  out += head.method_string();
  out += ' ';
  out += head.target();
  out += ' ';
  append_version(out, head.version());
  out += "\r\n";
  append_fields(out, head);
}

void append_status_line(std::string& out, unsigned version, unsigned status, std::string_view reason) {
  append_version(out, version);
  char digits[5] = {' ', static_cast<char>('0' + status / 100 % 10), static_cast<char>('0' + status / 10 % 10),
                    static_cast<char>('0' + status % 10), ' '};
  out.append(digits, 5);
  // Beast answers a missing reason with the standard one, and "<unknown-status>" for a code it
  // does not know: an empty reason is the honest spelling of that (RFC 9112 4).
  if (bhttp::int_to_status(status) == bhttp::status::unknown && reason == bhttp::obsolete_reason(bhttp::status::unknown)) {
    reason = {};
  }
  out += reason;
  out += "\r\n";
}

void append_head(std::string& out, const bhttp::response_header<>& head) {
  append_status_line(out, head.version(), head.result_int(), head.reason());
  append_fields(out, head);
}

ChunkSize::ChunkSize(std::size_t size) {
  auto result = std::to_chars(bytes.data(), bytes.data() + bytes.size() - 2, size, 16);
  *result.ptr++ = '\r';
  *result.ptr++ = '\n';
  length = static_cast<std::size_t>(result.ptr - bytes.data());
}

void Outgoing::add(asio::const_buffer buffer) {
  if (buffer.size() == 0) return;
  buffers_.at(count_++) = buffer;  // at(): more pieces than the array holds is a bug, not a case
}

std::size_t Outgoing::size() const {
  std::size_t total = 0;
  for (std::size_t i = first_; i < count_; ++i) total += buffers_[i].size();
  return total;
}

void Outgoing::consume(std::size_t bytes) {
  while (bytes > 0 && first_ < count_) {
    auto& buffer = buffers_[first_];
    if (bytes >= buffer.size()) {
      bytes -= buffer.size();
      ++first_;
    } else {
      buffer += bytes;
      bytes = 0;
    }
  }
  if (first_ == count_) first_ = count_ = 0;
}

bool peer_left(Stream stream) {
  char byte;
  const auto n = ::recv(stream.socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;
  return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

namespace {

boost::system::error_code write_socket(asio::ip::tcp::socket& socket, Outgoing& out) {
  boost::system::error_code ec;
  while (!out.empty()) {
    // One buffer goes out with send(), several with sendmsg(): the kernel's sendmsg path (message
    // header and iovec import) costs ~0.2 us more per call on loopback, about 1.5% of a request.
    const auto pending = out.pending();
    std::size_t written = pending.size() == 1 ? socket.write_some(pending.front(), ec) : socket.write_some(pending, ec);
    out.consume(written);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return {};
    if (ec) return ec;
  }
  return ec;
}

boost::system::error_code send_records(asio::ip::tcp::socket& socket, tls::Channel& tls) {
  boost::system::error_code ec;
  while (tls.has_output()) {
    tls.sent(socket.write_some(tls.output(), ec));
    if (ec == asio::error::would_block || ec == asio::error::try_again) return {};
    if (ec) return ec;
  }
  return ec;
}

}  // namespace

boost::system::error_code write_now(Stream stream, Outgoing& out) {
  if (!stream.tls) return write_socket(stream.socket, out);
  if (!out.empty()) {
    const auto ec = stream.tls->write(out.pending());
    out.consume(out.size());
    if (ec) return ec;
  }
  return send_records(stream.socket, *stream.tls);
}

void shutdown_send(Stream stream) {
  if (stream.tls) {
    stream.tls->close();
    send_records(stream.socket, *stream.tls);
  }
  boost::system::error_code ignored;
  stream.socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

asio::awaitable<boost::system::error_code> write_rest(Watchdog& watchdog, Stream stream, Outgoing& out,
                                                      std::chrono::milliseconds timeout) {
  if (auto ec = write_now(stream, out); ec || all_sent(stream, out)) co_return ec;
  Watch watch(watchdog, stream.socket, timeout);
  if (!stream.tls) {
    auto [ec, written] = co_await asio::async_write(stream.socket, out.pending(), asio::as_tuple(asio::deferred));
    out.consume(written);
    co_return watch.result(ec);
  }
  // The records are taken out of the channel while they are written: a read on the same
  // connection (a tunnel's other direction) may add a record of its own meanwhile (a key
  // update's answer), which would move the buffer under this write.
  boost::system::error_code ec;
  while (!ec && stream.tls->has_output()) {
    const std::string records = stream.tls->take_output();
    auto [write_ec, written] = co_await asio::async_write(stream.socket, asio::buffer(records), asio::as_tuple(asio::deferred));
    ec = write_ec;
  }
  co_return watch.result(ec);
}

}  // namespace cutover::http
