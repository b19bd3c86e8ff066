#pragma once
// What the fuzz targets share: a property check that stops the run with the input that broke it
// (libFuzzer then saves that input as crash-<sha1>), and the header-name mapping of issue 19.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace cutover::fuzz {

// The input, printable: a reproducer someone can read in the test log.
inline std::string escaped(std::string_view bytes, std::size_t max = 2048) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '\\') out += "\\\\";
    else if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
    else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  if (bytes.size() > max) out += "...";
  return out;
}

[[noreturn]] inline void property_failed(const char* property, std::string_view detail) {
  std::fprintf(stderr, "\n*** property violated: %s\n*** %s\n", property, escaped(detail, 8192).c_str());
  std::abort();
}

// CHECK_PROPERTY(condition, "what must hold", detail): `detail` says what was seen instead.
#define CHECK_PROPERTY(condition, property, detail)                         \
  do {                                                                      \
    if (!(condition)) ::cutover::fuzz::property_failed(property, (detail)); \
  } while (0)

inline std::string lower_case(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// A header name as a CGI/WSGI/Rack backend reads it (issue 19): lower case, '_' read as '-'.
inline std::string mapped_name(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    else if (c == '_') c = '-';
  }
  return out;
}

}  // namespace cutover::fuzz
