#include "http/chunk_framing.hpp"

#include <boost/beast/http/error.hpp>

#include "cutover/http/message_parser.hpp"

namespace cutover::http {
namespace {

namespace bhttp = boost::beast::http;

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool is_token_char(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A CR or LF in `text` that is not a CRLF; a CR ending `text` may be the start of one.
bool stray_line_ending(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') return true;
    if (text[i] == '\r') {
      if (i + 1 == text.size()) return false;
      if (text[i + 1] != '\n') return true;
      ++i;
    }
  }
  return false;
}

std::size_t skip_whitespace(std::string_view text, std::size_t at) {
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
  return at;
}

std::size_t skip_token(std::string_view text, std::size_t at) {
  while (at < text.size() && is_token_char(text[at])) ++at;
  return at;
}

// RFC 9112 7.1.1: chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ).
bool valid_extensions(std::string_view ext) {
  std::size_t at = skip_whitespace(ext, 0);
  while (at < ext.size()) {
    if (ext[at] != ';') return false;
    at = skip_whitespace(ext, at + 1);
    const std::size_t name = at;
    at = skip_token(ext, at);
    if (at == name) return false;
    at = skip_whitespace(ext, at);
    if (at < ext.size() && ext[at] == '=') {
      at = skip_whitespace(ext, at + 1);
      if (at < ext.size() && ext[at] == '"') {
        for (++at;; ++at) {
          if (at >= ext.size()) return false;  // the quote never closes
          if (ext[at] == '\\') ++at;
          else if (ext[at] == '"') break;
        }
        ++at;
      } else {
        const std::size_t value = at;
        at = skip_token(ext, at);
        if (at == value) return false;
      }
      at = skip_whitespace(ext, at);
    }
  }
  return true;
}

}  // namespace

boost::system::error_code check_chunk_framing(std::string_view pending, std::size_t trailer_limit) {
  if (pending.starts_with("\r\n")) pending.remove_prefix(2);
  const std::string_view window = pending.substr(0, kMaxChunkLineBytes + 2);
  const std::size_t line_end = window.find("\r\n");
  const std::string_view line = window.substr(0, line_end);
  if (stray_line_ending(line)) return bhttp::error::bad_line_ending;
  if (line_end == std::string_view::npos) {
    // A line of the limit's length may still be waiting for the LF after its CR.
    const bool over = pending.size() > kMaxChunkLineBytes + 1 ||
                      (pending.size() == kMaxChunkLineBytes + 1 && pending.back() != '\r');
    return over ? make_error_code(FramingError::chunk_line_too_long) : boost::system::error_code{};
  }
  std::size_t digits = 0;
  while (digits < line.size() && is_hex(line[digits])) ++digits;
  if (!valid_extensions(line.substr(digits))) return bhttp::error::bad_chunk_extension;
  if (digits == 0 || line.substr(0, digits).find_first_not_of('0') != std::string_view::npos) return {};
  // The last chunk: the trailer section follows, bounded like the head, up to its empty line.
  const std::string_view trailers = pending.substr(line_end + 2);
  const std::size_t end = trailers.starts_with("\r\n") ? 0 : trailers.find("\r\n\r\n");
  const std::string_view section = trailers.substr(0, end == std::string_view::npos ? trailer_limit + 1 : end);
  if (stray_line_ending(section)) return bhttp::error::bad_line_ending;
  if (section.size() > trailer_limit) return bhttp::error::header_limit;
  return {};
}

}  // namespace cutover::http
