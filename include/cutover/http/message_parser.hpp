#pragma once
// The data path's HTTP/1.1 parser. Plain heads (nearly all of them) take a fast path of our own
// (src/http/plain_head.hpp); every other message is parsed and validated by Beast's basic_parser
// (request and status lines, field syntax, Content-Length and chunked framing, smuggling shapes),
// and this class only stores what it reports. Beast's own parser stores fields in basic_fields,
// which keeps a case-insensitive ordered index: an allocated node and a tree insertion per
// header line, ~10% of a proxied request's instructions. The data path reads fields in order
// (to rewrite a head) or looks up a handful by name among ~10, so here they are a flat array in
// the connection's FieldArena, searched linearly.
//
// The body is handled as Beast's buffer_body: the caller points body().data at a buffer, and the
// parser fills it and reports need_buffer when it is full.
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include <boost/beast/http/basic_parser.hpp>
#include <boost/system/error_code.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include "cutover/http/field_arena.hpp"

namespace cutover::http {

// Framing errors of the gateway's own, beyond Beast's (src/http/chunk_framing.hpp).
enum class FramingError { chunk_line_too_long = 1, unexpected_upgrade };
const boost::system::error_category& framing_category() noexcept;
inline boost::system::error_code make_error_code(FramingError e) noexcept {
  return {static_cast<int>(e), framing_category()};
}

}  // namespace cutover::http

template <>
struct boost::system::is_error_code_enum<cutover::http::FramingError> : std::true_type {};

namespace cutover::http {

// One header line: Beast's field enum (unknown for names it has none for), the name as the
// sender spelled it, and the value without surrounding whitespace. Kept as the line a head
// rewrite writes out unchanged, "Name: value\r\n", so passing it on is one copy.
class ParsedField {
 public:
  ParsedField(boost::beast::http::field id, const char* line, std::uint32_t name_size, std::uint32_t value_size)
      : line_(line), name_size_(name_size), value_size_(value_size), id_(id) {}
  boost::beast::http::field name() const { return id_; }
  std::string_view name_string() const { return {line_, name_size_}; }
  std::string_view value() const { return {line_ + name_size_ + 2, value_size_}; }
  std::string_view line() const { return {line_, std::size_t{name_size_} + value_size_ + 4}; }

 private:
  const char* line_;  // in the arena
  std::uint32_t name_size_;
  std::uint32_t value_size_;
  boost::beast::http::field id_;
};

// The fields of one message, in the order received. Lookups return the first match, as Beast's
// basic_fields does, and "" when there is none.
class ParsedFields {
 public:
  explicit ParsedFields(FieldArena& arena) : arena_(&arena) {}

  const ParsedField* begin() const { return fields_; }
  const ParsedField* end() const { return fields_ + head_size(); }
  std::size_t size() const { return head_size(); }
  // The trailer section's fields (a chunked body's), once the body has been parsed to its end.
  std::span<const ParsedField> trailers() const { return {fields_ + head_size(), size_ - head_size()}; }

  std::string_view operator[](boost::beast::http::field id) const;
  std::string_view operator[](std::string_view name) const;  // case-insensitive
  std::size_t count(boost::beast::http::field id) const;

  // Forgets every field (they stay in the arena until its reset).
  void clear() { size_ = 0; head_fields_ = kHeadOpen; }
  // Fields added from now on belong to the trailer section.
  void close_head() { head_fields_ = size_; }

  // Copies name and value into the arena, as a line.
  void add(boost::beast::http::field id, std::string_view name, std::string_view value);
  // The same for a field that arrived as "Name: value\r\n" already: one copy.
  void add_line(boost::beast::http::field id, std::string_view line, std::size_t name_size);

 protected:
  // Copies `text` into the arena.
  std::string_view keep(std::string_view text);

 private:
  ParsedField* next_slot();  // uninitialised, at the end; the array grows as needed

  static constexpr std::uint32_t kHeadOpen = UINT32_MAX;
  std::uint32_t head_size() const { return head_fields_ == kHeadOpen ? size_ : head_fields_; }

  FieldArena* arena_;
  ParsedField* fields_ = nullptr;
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = 0;
  std::uint32_t head_fields_ = kHeadOpen;  // fields of the head; those after it are trailers
};

class ParsedRequest : public ParsedFields {
 public:
  using ParsedFields::ParsedFields;
  boost::beast::http::verb method() const { return method_; }
  std::string_view method_string() const { return method_string_; }
  std::string_view target() const { return target_; }
  unsigned version() const { return version_; }
  boost::beast::http::buffer_body::value_type& body() { return body_; }

 private:
  template <bool>
  friend class MessageParser;
  boost::beast::http::verb method_ = boost::beast::http::verb::unknown;
  std::string_view method_string_;
  std::string_view target_;
  unsigned version_ = 11;
  boost::beast::http::buffer_body::value_type body_;
};

class ParsedResponse : public ParsedFields {
 public:
  using ParsedFields::ParsedFields;
  unsigned result_int() const { return status_; }
  std::string_view reason() const { return reason_; }
  unsigned version() const { return version_; }
  boost::beast::http::buffer_body::value_type& body() { return body_; }

 private:
  template <bool>
  friend class MessageParser;
  unsigned status_ = 0;
  std::string_view reason_;
  unsigned version_ = 11;
  boost::beast::http::buffer_body::value_type body_;
};

// One message per parser, as with Beast's: parse the next one with a new parser. Everything it
// stores lives in `arena`, until the arena's reset.
//
// The first bytes decide how the message is parsed. A head that is plain (src/http/plain_head.hpp:
// the shape nearly every head has) is scanned by our own fast path once it has wholly arrived,
// and a Content-Length body after it is counted out here. Anything else is parsed by Beast's
// basic_parser from the first byte, exactly as before. A head still arriving waits, unconsumed,
// while what has come is the start of a plain one, for at most kPlainTries reads. The interface
// is the subset of basic_parser's that the data path uses, with the same meaning in both cases.
template <bool IsRequest>
class MessageParser final : private boost::beast::http::basic_parser<IsRequest> {
  using Base = boost::beast::http::basic_parser<IsRequest>;

 public:
  using message_type = std::conditional_t<IsRequest, ParsedRequest, ParsedResponse>;
  using error_code = boost::system::error_code;

  explicit MessageParser(FieldArena& arena) : message_(arena) {}

  message_type& get() { return message_; }
  const message_type& get() const { return message_; }

  // Limits and skip as Beast's; set before the first put() (body_limit may also change after the
  // header, as with Beast).
  void header_limit(std::uint32_t bytes) {
    header_limit_ = bytes;
    Base::header_limit(bytes);
  }
  void body_limit(const boost::optional<std::uint64_t>& bytes) {
    body_limit_ = bytes;
    Base::body_limit(bytes);
  }
  void skip(bool skip_body) {
    skip_body_ = skip_body;
    Base::skip(skip_body);
  }

  std::size_t put(boost::asio::const_buffer bytes, error_code& ec);
  void put_eof(error_code& ec);

  bool got_some() const { return mode_ == Mode::beast ? Base::got_some() : mode_ == Mode::plain || waiting(); }
  bool is_header_done() const { return mode_ == Mode::beast ? Base::is_header_done() : mode_ == Mode::plain; }
  bool is_done() const { return mode_ == Mode::beast ? Base::is_done() : mode_ == Mode::plain && plain_.done; }
  // After the header, as Beast's:
  bool keep_alive() const { return mode_ == Mode::beast ? Base::keep_alive() : plain_.keep_alive; }
  boost::optional<std::uint64_t> content_length() const {
    return mode_ == Mode::beast ? Base::content_length() : plain_.content_length;
  }
  bool chunked() const { return mode_ == Mode::beast && Base::chunked(); }
  bool need_eof() const { return mode_ == Mode::beast && Base::need_eof(); }
  bool upgrade() const { return mode_ == Mode::beast && Base::upgrade(); }

  // Whether the head took the fast path (tests and micro-benchmarks).
  bool parsed_plain() const { return mode_ == Mode::plain; }

 private:
  using string_view = boost::beast::string_view;
  enum class Mode : std::uint8_t { undecided, plain, beast };
  // Reads a head may take and still go the fast path. Each try rescans the head from its start,
  // so a client sending it a byte at a time costs a bounded number of scans, not one per byte.
  static constexpr std::uint8_t kPlainTries = 3;

  // True when the head at the start of `bytes` is plain: it is taken, and what Beast would
  // decide from it is in plain_. False leaves the message as it was.
  bool take_plain_head(std::string_view bytes, std::size_t& used);
  // Undecided, with the start of a plain head left unconsumed in the caller's buffer.
  bool waiting() const { return mode_ == Mode::undecided && plain_tries_ > 0; }
  std::size_t put_plain_body(std::string_view bytes, error_code& ec);
  // Beast is about to read a chunk size line (or the trailer section after the last one). Beast's
  // put() takes one step per call unless eager, which this parser never sets: every chunk line is
  // at the start of some put()'s input, where check_chunk_framing sees it.
  bool at_chunk_boundary() const {
    return chunk_left_ == 0 && Base::is_header_done() && Base::chunked() && !Base::is_done();
  }

  void on_request_impl(boost::beast::http::verb method, string_view method_string, string_view target, int version,
                       error_code& ec) override;
  void on_response_impl(int status, string_view reason, int version, error_code& ec) override;
  void on_field_impl(boost::beast::http::field id, string_view name, string_view value, error_code& ec) override;
  void on_header_impl(error_code& ec) override {
    ec = {};
    message_.close_head();
  }
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code& ec) override { ec = {}; }
  std::size_t on_body_impl(string_view body, error_code& ec) override { return fill_body(body, ec); }
  void on_chunk_header_impl(std::uint64_t size, string_view, error_code& ec) override {
    ec = {};
    chunk_left_ = size;
  }
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override {
    const std::size_t taken = fill_body(body, ec);
    chunk_left_ -= taken;
    return taken;
  }
  void on_finish_impl(error_code& ec) override { ec = {}; }

  // Copies as much of `bytes` as the body buffer takes; need_buffer when it could not take all.
  std::size_t fill_body(string_view bytes, error_code& ec);

  message_type message_;
  Mode mode_ = Mode::undecided;
  std::uint8_t plain_tries_ = 0;  // undecided with tries made: a plain head's start waits unconsumed
  std::uint64_t chunk_left_ = 0;     // data of the current chunk still to come
  std::size_t head_bytes_ = 0;       // taken by Beast while the head is not done
  bool skip_body_ = false;
  // Beast's defaults, mirrored: its own are private.
  std::uint32_t header_limit_ = 8192;
  boost::optional<std::uint64_t> body_limit_ = IsRequest ? 1024 * 1024 : 8 * 1024 * 1024;
  struct {
    boost::optional<std::uint64_t> content_length;
    std::uint64_t body_left = 0;
    bool keep_alive = false;
    bool done = false;
  } plain_;
};

using RequestParser = MessageParser<true>;
using ResponseParser = MessageParser<false>;

extern template class MessageParser<true>;
extern template class MessageParser<false>;

}  // namespace cutover::http
