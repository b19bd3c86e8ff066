#pragma once
// RFC 3986 character classes shared by request-path normalization (path.cpp) and route pattern
// compilation (path_pattern.cpp), so a pattern literal and a request path are normalized by
// exactly the same rules and compare byte for byte.
#include <array>
#include <string>
#include <string_view>

namespace cutover::routing::detail {

inline constexpr unsigned char kUnreserved = 1;  // ALPHA DIGIT - . _ ~
inline constexpr unsigned char kPchar = 2;       // pchar without '%': unreserved, sub-delims, : @

constexpr std::array<unsigned char, 256> make_char_classes() {
  std::array<unsigned char, 256> table{};
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = kUnreserved | kPchar;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = kUnreserved | kPchar;
  for (int c = '0'; c <= '9'; ++c) table[c] = kUnreserved | kPchar;
  for (unsigned char c : std::string_view("-._~")) table[c] = kUnreserved | kPchar;
  for (unsigned char c : std::string_view("!$&'()*+,;=:@")) table[c] = kPchar;
  return table;
}

inline constexpr std::array<unsigned char, 256> kCharClasses = make_char_classes();

inline bool is_unreserved(unsigned char c) { return (kCharClasses[c] & kUnreserved) != 0; }
inline bool is_pchar_literal(unsigned char c) { return (kCharClasses[c] & kPchar) != 0; }

// -1 for a non-hex character.
inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Appends one raw segment (no '/') to `out` with escapes of unreserved characters decoded and
// all other escapes upper-cased. Returns false for characters outside pchar, malformed escapes
// and %00; `out` then holds a partial segment the caller must discard.
bool append_normalized_segment(std::string_view raw, std::string& out);

}  // namespace cutover::routing::detail
