// Minimal JSON writing for test_upstream: the server only ever emits a few flat shapes, and a
// hand-rolled writer keeps the hot path free of a DOM and the target free of extra dependencies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cutover::test::upstream {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid UTF-8.
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  if (lead >= 0xC2 && lead <= 0xDF)
    len = 2;
  else if (lead >= 0xE0 && lead <= 0xEF)
    len = 3;
  else if (lead >= 0xF0 && lead <= 0xF4)
    len = 4;
  else
    return 0;
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return len;
}

// Appends s as a JSON string literal. Header bytes need not be UTF-8 (obs-text); invalid bytes
// become \u00XX so the document always parses and the byte value stays recoverable.
inline void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (const std::size_t len = utf8_sequence_length(s, i); len != 0) {
        out.append(s.substr(i, len));
        i += len;
        continue;
      }
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c >= 0x7F) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

inline void append_json_field(std::string& out, std::string_view key, std::string_view value) {
  append_json_string(out, key);
  out += ": ";
  append_json_string(out, value);
}

}  // namespace cutover::test::upstream
