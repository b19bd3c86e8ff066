#include "support/http_internal.hpp"

#include "support/raw_head.hpp"

#include <boost/beast/core/string.hpp>

#include <charconv>

namespace cutover::test::detail {

bool run_until(ClientSocket& c, Clock::time_point deadline, const std::function<bool()>& finished) {
  c.ioc.restart();
  c.ioc.run_until(deadline);
  if (finished()) return true;
  boost::system::error_code ignored;
  c.socket.close(ignored);
  c.ioc.restart();
  c.ioc.run();  // aborted operations complete now; nothing may outlive this call
  return false;
}

std::error_code connect(ClientSocket& c, Clock::time_point deadline) {
  std::error_code result;
  bool finished = false;
  c.socket.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), c.port),
                         [&](const boost::system::error_code& ec) {
                           result = ec;
                           finished = true;
                         });
  if (!run_until(c, deadline, [&] { return finished; })) return timed_out();
  boost::system::error_code ignored;
  if (result) {
    c.socket.close(ignored);
  } else {
    c.socket.set_option(tcp::no_delay(true), ignored);
  }
  return result;
}

DuplexOutcome run_duplex(ClientSocket& c, asio::awaitable<std::error_code> writer,
                         asio::awaitable<std::error_code> reader, Clock::time_point deadline) {
  DuplexOutcome out;
  bool write_finished = false;
  bool read_finished = false;
  const auto failure = [](const std::exception_ptr& e, std::error_code ec) {
    return e ? std::make_error_code(std::errc::io_error) : ec;
  };
  asio::co_spawn(c.ioc, std::move(writer), [&](std::exception_ptr e, std::error_code ec) {
    out.write = failure(e, ec);
    write_finished = true;
  });
  asio::co_spawn(c.ioc, std::move(reader), [&](std::exception_ptr e, std::error_code ec) {
    out.read = failure(e, ec);
    read_finished = true;
    if (!write_finished) {
      boost::system::error_code ignored;
      c.socket.cancel(ignored);
    }
  });
  out.timed_out = !run_until(c, deadline, [&] { return write_finished && read_finished; });
  return out;
}

bool has_header(const Headers& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [name](const auto& h) { return beast::iequals(h.first, name); });
}

std::string request_head(const HeadSpec& spec, std::uint16_t port) {
  std::string head;
  head.append(spec.method).append(" ").append(spec.target).append(" HTTP/1.1\r\n");
  if (spec.add_host && !has_header(spec.headers, "host")) head += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  for (const auto& [name, value] : spec.headers) head.append(name).append(": ").append(value).append("\r\n");
  if (spec.content_length) head += "Content-Length: " + std::to_string(*spec.content_length) + "\r\n";
  if (spec.chunked) head += "Transfer-Encoding: chunked\r\n";
  head += "\r\n";
  return head;
}

std::string chunk_size_line(std::uint64_t size) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, size, 16);
  return std::string(digits, end) + "\r\n";
}

asio::awaitable<std::error_code> read_raw_head(ClientSocket& c, std::string& raw) {
  raw.clear();
  for (;;) {
    const std::string_view have(static_cast<const char*>(c.buffer.data().data()), c.buffer.size());
    if (const auto end = find_head_end(have); end != std::string_view::npos) {
      raw.assign(have.substr(0, end));
      co_return std::error_code{};
    }
    if (have.size() > kResponseHeaderLimit) co_return std::error_code{};
    auto [ec, n] = co_await c.socket.async_read_some(c.buffer.prepare(16 * 1024), kUseTuple);
    c.buffer.commit(n);
    // Report EOF here: Asio does not signal an edge-triggered EOF twice, so a second read (the
    // parser's) would wait for the deadline.
    if (ec == asio::error::eof) {
      const beast::error_code why = c.buffer.size() == 0 ? http::error::end_of_stream : http::error::partial_message;
      co_return std::error_code(why);
    }
    if (ec) co_return ec;
  }
}

}  // namespace cutover::test::detail
