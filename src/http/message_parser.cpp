#include "cutover/http/message_parser.hpp"

#include <algorithm>
#include <cstring>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

namespace cutover::http {

namespace bhttp = boost::beast::http;

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

void ParsedFields::add(bhttp::field id, std::string_view name, std::string_view value) {
  if (size_ == capacity_) {
    // Eight lines cover most requests and answers; a longer head doubles the array. The old one
    // stays in the arena until its reset: at most as much again.
    const std::uint32_t capacity = capacity_ == 0 ? 8 : capacity_ * 2;
    auto* grown = static_cast<ParsedField*>(arena_->allocate(capacity * sizeof(ParsedField), alignof(ParsedField)));
    if (size_ > 0) std::memcpy(static_cast<void*>(grown), fields_, size_ * sizeof(ParsedField));
    fields_ = grown;
    capacity_ = capacity;
  }
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
  new (fields_ + size_) ParsedField(id, line, static_cast<std::uint32_t>(name.size()),
                                    static_cast<std::uint32_t>(value.size()));
  ++size_;
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
  message_.add(id, name, value);
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
