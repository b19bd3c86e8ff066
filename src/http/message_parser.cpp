#include "cutover/http/message_parser.hpp"

#include <algorithm>
#include <cstring>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

#include "http/chunk_framing.hpp"
#include "http/plain_head.hpp"

namespace cutover::http {

namespace bhttp = boost::beast::http;

namespace {

// Boost's error_category has a protected, non-virtual destructor by design: categories are
// never deleted through it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class FramingCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "cutover.framing"; }
  std::string message(int value) const override {
    switch (static_cast<FramingError>(value)) {
      case FramingError::chunk_line_too_long:
        return "a chunk size line is longer than " + std::to_string(kMaxChunkLineBytes) +
               " bytes (its size digits, leading zeros and extensions)";
      case FramingError::unexpected_upgrade:
        return "101 Switching Protocols to a request that asked for no upgrade";
    }
    return "framing error";
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& framing_category() noexcept {
  static const FramingCategory category;
  return category;
}

std::string_view ParsedFields::operator[](bhttp::field id) const {
  for (const auto& field : *this) {
    if (field.name() == id) return field.value();
  }
  return {};
}

std::string_view ParsedFields::operator[](std::string_view name) const {
  for (const auto& field : *this) {
    auto candidate = field.name_string();
    if (candidate.size() == name.size() && boost::beast::iequals(candidate, name)) return field.value();
  }
  return {};
}

std::size_t ParsedFields::count(bhttp::field id) const {
  return static_cast<std::size_t>(std::count_if(begin(), end(), [id](const auto& field) { return field.name() == id; }));
}

std::string_view ParsedFields::keep(std::string_view text) {
  if (text.empty()) return {};
  auto* copy = static_cast<char*>(arena_->allocate(text.size(), 1));
  std::memcpy(copy, text.data(), text.size());
  return {copy, text.size()};
}

ParsedField* ParsedFields::next_slot() {
  if (size_ == capacity_) {
    // Eight lines cover most requests and answers; a longer head doubles the array. The old one
    // stays in the arena until its reset: at most as much again.
    const std::uint32_t capacity = capacity_ == 0 ? 8 : capacity_ * 2;
    auto* grown = static_cast<ParsedField*>(arena_->allocate(capacity * sizeof(ParsedField), alignof(ParsedField)));
    if (size_ > 0) std::memcpy(static_cast<void*>(grown), fields_, size_ * sizeof(ParsedField));
    fields_ = grown;
    capacity_ = capacity;
  }
  return fields_ + size_++;
}

void ParsedFields::add(bhttp::field id, std::string_view name, std::string_view value) {
  auto* line = static_cast<char*>(arena_->allocate(name.size() + value.size() + 4, 1));
  char* at = line;
  std::memcpy(at, name.data(), name.size());
  at += name.size();
  *at++ = ':';
  *at++ = ' ';
  if (!value.empty()) std::memcpy(at, value.data(), value.size());
  at += value.size();
  *at++ = '\r';
  *at = '\n';
  new (next_slot()) ParsedField(id, line, static_cast<std::uint32_t>(name.size()), static_cast<std::uint32_t>(value.size()));
}

void ParsedFields::add_line(bhttp::field id, std::string_view line, std::size_t name_size) {
  auto* copy = static_cast<char*>(arena_->allocate(line.size(), 1));
  std::memcpy(copy, line.data(), line.size());
  new (next_slot()) ParsedField(id, copy, static_cast<std::uint32_t>(name_size),
                                static_cast<std::uint32_t>(line.size() - name_size - 4));
}

template <bool IsRequest>
std::size_t MessageParser<IsRequest>::put(boost::asio::const_buffer bytes, error_code& ec) {
  const std::string_view input(static_cast<const char*>(bytes.data()), bytes.size());
  switch (mode_) {
    case Mode::beast: {
      if (at_chunk_boundary()) {
        ec = check_chunk_framing(input, header_limit_);
        if (ec) return 0;
      }
      if (Base::is_header_done()) return Base::put(bytes, ec);
      const std::size_t used = Base::put(bytes, ec);
      // Beast does not hold a head that arrives in pieces to its limit (its first look at the
      // fields skips the check): the bytes it took for the head, and those it waits on, are
      // counted here.
      head_bytes_ += used;
      const std::size_t waiting = ec == bhttp::error::need_more ? input.size() - used : 0;
      if ((!ec || ec == bhttp::error::need_more) && head_bytes_ + waiting > header_limit_) {
        ec = bhttp::error::header_limit;
      }
      return used;
    }
    case Mode::plain:
      return put_plain_body(input, ec);
    case Mode::undecided:
      break;
  }
  if (input.empty()) {
    ec = boost::beast::http::error::need_more;
    return 0;
  }
  std::size_t used = 0;
  if (take_plain_head(input, used)) {
    ec = {};
    return used;  // the header alone, as Beast's put() without eager (which is not exposed)
  }
  if (++plain_tries_ < kPlainTries && may_become_plain<IsRequest>(input, header_limit_, message_)) {
    ec = boost::beast::http::error::need_more;  // Beast would be waiting for more as well
    return 0;
  }
  mode_ = Mode::beast;
  return put(bytes, ec);
}

template <bool IsRequest>
bool MessageParser<IsRequest>::take_plain_head(std::string_view bytes, std::size_t& used) {
  PlainHead head;
  if (!scan_plain_head<IsRequest>(bytes, header_limit_, head, message_)) {
    message_.clear();
    return false;
  }
  // Framing as Beast's finish_header decides it.
  bool bodiless = skip_body_;
  if constexpr (!IsRequest) {
    bodiless = bodiless || head.status / 100 == 1 || head.status == 204 || head.status == 304;
    // Delimited by the connection's close: Beast's (need_eof).
    if (!bodiless && !head.content_length) {
      message_.clear();
      return false;
    }
  }
  if (!head.content_length || *head.content_length == 0) bodiless = true;
  if (!bodiless && body_limit_ && *head.content_length > *body_limit_) {
    message_.clear();
    return false;  // Beast's error to give
  }
  if constexpr (IsRequest) {
    message_.method_ = head.method;
    message_.method_string_ = message_.keep(head.method_string);
    message_.target_ = message_.keep(head.target);
  } else {
    message_.status_ = head.status;
    message_.reason_ = message_.keep(head.reason);
  }
  message_.version_ = head.version;
  message_.close_head();
  plain_.content_length = head.content_length ? boost::optional<std::uint64_t>(*head.content_length) : boost::none;
  plain_.body_left = bodiless ? 0 : *head.content_length;
  plain_.keep_alive = head.keep_alive();
  plain_.done = bodiless;
  mode_ = Mode::plain;
  used = head.size;
  return true;
}

// As Beast's parse_body.
template <bool IsRequest>
std::size_t MessageParser<IsRequest>::put_plain_body(std::string_view bytes, error_code& ec) {
  if (plain_.done) {
    ec = boost::beast::http::error::stale_parser;
    return 0;
  }
  const std::size_t taken = fill_body(bytes.substr(0, std::min<std::uint64_t>(plain_.body_left, bytes.size())), ec);
  plain_.body_left -= taken;
  if (!ec && plain_.body_left == 0) plain_.done = true;
  return taken;
}

template <bool IsRequest>
void MessageParser<IsRequest>::put_eof(error_code& ec) {
  if (waiting()) {
    ec = boost::beast::http::error::partial_message;  // a head cut short, as Beast says
    return;
  }
  if (mode_ != Mode::plain) {
    mode_ = Mode::beast;  // before any byte too: Beast's state answers from now on
    return Base::put_eof(ec);
  }
  // The header is done: a body with a length it has not had is cut short.
  ec = plain_.done ? error_code{} : make_error_code(boost::beast::http::error::partial_message);
}

template <bool IsRequest>
void MessageParser<IsRequest>::on_request_impl(bhttp::verb method, string_view method_string, string_view target,
                                               int version, error_code& ec) {
  ec = {};
  if constexpr (IsRequest) {
    message_.method_ = method;
    message_.method_string_ = message_.keep(method_string);
    message_.target_ = message_.keep(target);
    message_.version_ = static_cast<unsigned>(version);
  }
}

template <bool IsRequest>
void MessageParser<IsRequest>::on_response_impl(int status, string_view reason, int version, error_code& ec) {
  ec = {};
  if constexpr (!IsRequest) {
    message_.status_ = static_cast<unsigned>(status);
    message_.reason_ = message_.keep(reason);
    message_.version_ = static_cast<unsigned>(version);
  }
}

template <bool IsRequest>
void MessageParser<IsRequest>::on_field_impl(bhttp::field id, string_view name, string_view value, error_code& ec) {
  ec = {};
  message_.add(id, name, value);  // a trailer's too: check_chunk_framing has bounded the section
}

template <bool IsRequest>
std::size_t MessageParser<IsRequest>::fill_body(string_view bytes, error_code& ec) {
  auto& body = message_.body();
  if (!body.data) {
    ec = bhttp::error::need_buffer;
    return 0;
  }
  const std::size_t taken = std::min(bytes.size(), body.size);
  if (taken > 0) std::memcpy(body.data, bytes.data(), taken);
  body.data = static_cast<char*>(body.data) + taken;
  body.size -= taken;
  if (taken == bytes.size()) {
    ec = {};
  } else {
    ec = bhttp::error::need_buffer;
  }
  return taken;
}

template class MessageParser<true>;
template class MessageParser<false>;

}  // namespace cutover::http
