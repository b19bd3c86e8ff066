#pragma once
// fuzz_request's reference: what Beast's own basic_parser makes of a connection's bytes when it
// has them all at once, recorded in the order it reports them (its basic_fields would group
// fields of one name together). The gateway's parser must come to the same verdict however the
// bytes arrive.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cutover::fuzz {

using FieldList = std::vector<std::pair<std::string, std::string>>;

// What a parser made of one message.
struct Verdict {
  boost::system::error_code ec;
  std::string method, target;
  unsigned version = 0;
  FieldList fields;    // the head's, in order
  FieldList trailers;  // a chunked body's trailer section
  bool keep_alive = false, chunked = false, upgrade = false;
  std::optional<std::uint64_t> content_length;
  std::string body;
  std::size_t used = 0;  // bytes of the connection the message took
};

inline std::string describe(const Verdict& v) {
  std::string out = v.ec ? "error: " + v.ec.message()
                         : v.method + " " + v.target + " HTTP/" + std::to_string(v.version / 10) + "." +
                               std::to_string(v.version % 10);
  for (const auto& [name, value] : v.fields) out += "\n  " + name + ": " + value;
  for (const auto& [name, value] : v.trailers) out += "\n  (trailer) " + name + ": " + value;
  out += "\n  keep_alive " + std::to_string(v.keep_alive) + ", chunked " + std::to_string(v.chunked) + ", upgrade " +
         std::to_string(v.upgrade) + ", length " + (v.content_length ? std::to_string(*v.content_length) : "none") +
         ", body " + std::to_string(v.body.size()) + " bytes, used " + std::to_string(v.used);
  return out;
}

class BeastReference final : public boost::beast::http::basic_parser<true> {
 public:
  Verdict verdict;

 private:
  using string_view = boost::beast::string_view;
  using error_code = boost::system::error_code;

  void on_request_impl(boost::beast::http::verb, string_view method, string_view target, int version,
                       error_code& ec) override {
    verdict.method = method;
    verdict.target = target;
    verdict.version = static_cast<unsigned>(version);
    ec = {};
  }
  void on_response_impl(int, string_view, int, error_code& ec) override { ec = {}; }
  void on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code& ec) override {
    (is_header_done() ? verdict.trailers : verdict.fields).emplace_back(name, value);
    ec = {};
  }
  void on_header_impl(error_code& ec) override { ec = {}; }
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code& ec) override { ec = {}; }
  std::size_t on_body_impl(string_view body, error_code& ec) override {
    verdict.body.append(body);
    ec = {};
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code& ec) override { ec = {}; }
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override {
    return on_body_impl(body, ec);
  }
  void on_finish_impl(error_code& ec) override { ec = {}; }
};

// Beast's verdict on the first message in `bytes`, read all at once.
inline Verdict beast_verdict(std::string_view bytes, std::uint32_t header_limit) {
  namespace bhttp = boost::beast::http;
  BeastReference parser;
  parser.header_limit(header_limit);
  parser.body_limit(boost::none);
  Verdict& v = parser.verdict;
  bool head_taken = false;
  for (;;) {
    const std::size_t n = parser.put(boost::asio::buffer(bytes.data() + v.used, bytes.size() - v.used), v.ec);
    v.used += n;
    // Framing as the header says (the session decides keep-alive there; Beast would also let a
    // trailer's Connection: close change it), then the rest at once.
    if (!v.ec && parser.is_header_done() && !head_taken) {
      head_taken = true;
      parser.eager(true);
      v.keep_alive = parser.keep_alive();
      v.chunked = parser.chunked();
      v.upgrade = parser.upgrade();
      if (auto length = parser.content_length()) v.content_length = *length;
    }
    if ((v.ec && v.ec != bhttp::error::need_more) || parser.is_done()) break;
    if (n > 0 && v.used < bytes.size()) continue;
    // Beast wants bytes the connection never sends.
    parser.put_eof(v.ec);
    if (!v.ec && !parser.is_done()) v.ec = bhttp::error::partial_message;
    break;
  }
  return std::move(v);
}

}  // namespace cutover::fuzz
