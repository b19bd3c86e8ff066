#include "http/plain_head.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>

namespace cutover::http {
namespace {

namespace bhttp = boost::beast::http;

// RFC 9110's tchar: what a method or a field name is made of.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

// Names are short (4 to 20 bytes): a table lookup a byte is as fast here as SSE2, which pays
// for itself on the longer values below.
const char* skip_token(const char* p, const char* end) {
  while (p < end && kTokenChars[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

// The first byte at or after `p` that is below `Lowest`, DEL, or not ASCII; `end` if there is
// none. `Lowest` is SP for values and reasons, '!' for targets. Sixteen bytes at a time where
// SSE2 is there (every x86-64): a Date or a User-Agent is one or two steps instead of ~30.
template <char Lowest>
const char* skip_visible(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i lowest = _mm_set1_epi8(Lowest);
  const __m128i del = _mm_set1_epi8(0x7F);
  while (end - p >= 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // A signed comparison: bytes of 0x80 and above are negative, so they stop the scan too.
    const __m128i stop = _mm_or_si128(_mm_cmplt_epi8(bytes, lowest), _mm_cmpeq_epi8(bytes, del));
    const int mask = _mm_movemask_epi8(stop);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p < end) {
    const auto c = static_cast<unsigned char>(*p);
    if (c < static_cast<unsigned char>(Lowest) || c >= 0x7F) break;
    ++p;
  }
  return p;
}

// Printable ASCII, SP and HTAB: a field value or a reason phrase.
const char* skip_text(const char* p, const char* end) {
  for (;;) {
    p = skip_visible<' '>(p, end);
    if (p == end || *p != '\t') return p;
    ++p;
  }
}

bool at_crlf(const char* p, const char* end) { return end - p >= 2 && p[0] == '\r' && p[1] == '\n'; }

// "HTTP/1.1" is 11, "HTTP/1.0" 10; anything else 0.
unsigned scan_version(const char*& p, const char* end) {
  if (end - p < 8 || std::memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1')) return 0;
  const unsigned version = p[7] == '1' ? 11 : 10;
  p += 8;
  return version;
}

bool scan_start_line(const char*& p, const char* end, PlainHead& head, std::true_type /*request*/) {
  const char* method_begin = p;
  p = skip_token(p, end);
  if (p == method_begin || p == end || *p != ' ') return false;
  head.method_string = std::string_view(method_begin, static_cast<std::size_t>(p - method_begin));
  head.method = bhttp::string_to_verb(head.method_string);
  if (head.method == bhttp::verb::unknown) return false;
  const char* target_begin = ++p;
  p = skip_visible<'!'>(p, end);
  if (p == target_begin || p == end || *p != ' ') return false;
  head.target = std::string_view(target_begin, static_cast<std::size_t>(p - target_begin));
  ++p;
  head.version = scan_version(p, end);
  if (head.version == 0 || !at_crlf(p, end)) return false;
  p += 2;
  return true;
}

bool scan_start_line(const char*& p, const char* end, PlainHead& head, std::false_type /*response*/) {
  head.version = scan_version(p, end);
  if (head.version == 0 || end - p < 5 || p[0] != ' ' || p[4] != ' ') return false;
  unsigned status = 0;
  for (int i = 1; i <= 3; ++i) {
    if (p[i] < '0' || p[i] > '9') return false;
    status = status * 10 + static_cast<unsigned>(p[i] - '0');
  }
  if (status < 100 || status > 599) return false;
  head.status = status;
  p += 5;
  const char* reason_begin = p;
  p = skip_text(p, end);
  if (!at_crlf(p, end)) return false;
  head.reason = std::string_view(reason_begin, static_cast<std::size_t>(p - reason_begin));
  p += 2;
  return true;
}

// The fields that frame a message or say how its connection goes on. Only the plainest forms are
// taken; every other one is Beast's to judge.
bool accept_field(bhttp::field id, std::string_view value, PlainHead& head) {
  switch (id) {
    case bhttp::field::content_length: {
      // One field of 1 to 18 digits: no list, no sign, no overflow. A second one is declined,
      // equal or not.
      if (head.content_length || value.empty() || value.size() > 18) return false;
      std::uint64_t length = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return false;
        length = length * 10 + static_cast<std::uint64_t>(c - '0');
      }
      head.content_length = length;
      return true;
    }
    case bhttp::field::connection:
      if (boost::beast::iequals(value, "close")) {
        head.connection_close = true;
      } else if (boost::beast::iequals(value, "keep-alive")) {
        head.connection_keep_alive = true;
      } else {
        return false;  // a list, upgrade, or hop-by-hop names
      }
      return true;
    case bhttp::field::transfer_encoding:
    case bhttp::field::upgrade:
    case bhttp::field::proxy_connection:
      return false;
    default:
      return true;
  }
}

bool scan_fields(const char*& p, const char* end, PlainHead& head, ParsedFields& fields) {
  for (;;) {
    if (at_crlf(p, end)) {
      p += 2;
      return true;
    }
    const char* name_begin = p;
    p = skip_token(p, end);
    if (p == name_begin || p == end || *p != ':') return false;
    const std::string_view name(name_begin, static_cast<std::size_t>(p - name_begin));
    const char* colon = p++;
    while (p != end && (*p == ' ' || *p == '\t')) ++p;
    const char* value_begin = p;
    p = skip_text(p, end);
    // Stopped at anything but CRLF: a control byte, obs-text, a bare CR or LF, or the end of what
    // has arrived. A line after it that starts with whitespace is obs-fold.
    if (!at_crlf(p, end) || end - p < 3 || p[2] == ' ' || p[2] == '\t') return false;
    const char* value_end = p;
    while (value_end != value_begin && (value_end[-1] == ' ' || value_end[-1] == '\t')) --value_end;
    p += 2;
    const std::string_view value(value_begin, static_cast<std::size_t>(value_end - value_begin));
    const auto id = bhttp::string_to_field(name);
    if (!accept_field(id, value, head)) return false;
    if (value_begin == colon + 2 && colon[1] == ' ' && value_end + 2 == p) {
      fields.add_line(id, {name_begin, static_cast<std::size_t>(p - name_begin)}, name.size());  // as it came
    } else {
      fields.add(id, name, value);
    }
  }
}

}  // namespace

template <bool IsRequest>
bool scan_plain_head(std::string_view input, std::uint32_t header_limit, PlainHead& head, ParsedFields& fields) {
  const char* p = input.data();
  // A head over the limit is declined: the Beast path refuses it (MessageParser holds the whole
  // head to the limit, where Beast holds the start line and the fields of one read to it each).
  const char* end = p + std::min<std::size_t>(input.size(), header_limit);
  if (!scan_start_line(p, end, head, std::bool_constant<IsRequest>{})) return false;
  if (!scan_fields(p, end, head, fields)) return false;
  head.size = static_cast<std::size_t>(p - input.data());
  return true;
}

template <bool IsRequest>
bool may_become_plain(std::string_view input, std::uint32_t header_limit, ParsedFields& scratch) {
  if (input.size() >= header_limit || input.find("\r\n\r\n") != std::string_view::npos) return false;
  // Ended so far inside a value or the start line's target, right after a line's CR, or inside a
  // name: one of these endings completes it into a plain head if its bytes so far are plain.
  // (One that ends elsewhere, inside the version say, is simply left to Beast.)
  for (std::string_view ending : {"\r\n\r\n", "\n\r\n", ":\r\n\r\n", " HTTP/1.1\r\n\r\n"}) {
    std::string completed;
    completed.reserve(input.size() + ending.size());
    completed.append(input).append(ending);
    PlainHead head;
    const bool plain = scan_plain_head<IsRequest>(completed, static_cast<std::uint32_t>(completed.size()), head, scratch);
    scratch.clear();
    if (plain) return true;
  }
  return false;
}

template bool scan_plain_head<true>(std::string_view, std::uint32_t, PlainHead&, ParsedFields&);
template bool scan_plain_head<false>(std::string_view, std::uint32_t, PlainHead&, ParsedFields&);
template bool may_become_plain<true>(std::string_view, std::uint32_t, ParsedFields&);
template bool may_become_plain<false>(std::string_view, std::uint32_t, ParsedFields&);

}  // namespace cutover::http
