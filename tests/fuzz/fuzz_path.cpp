// Path normalization (routing/path.hpp). The gateway matches the normalized path and forwards it,
// so a path it accepts must mean one thing to every backend. Checked on every accepted path:
// - it starts with '/', has no "//" and no "." or ".." segment;
// - it is canonical: normalizing it again gives it back, and its escapes are upper-case %XX of
//   characters that need escaping (an escaped unreserved character would be a second spelling);
// - no %00;
// - issue 19's paths contract with its defaults (escaped_slashes: reject, backslash: reject): no
//   %2F or %5C, and no segment that a backend decoding once more (or parsing ';' parameters, as
//   Tomcat and Jetty do) reads as "." or "..", nor one that decodes to a slash or backslash.
// Input: the path, as it appears in the request line before any '?'.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cutover/routing/path.hpp"
#include "fuzz_check.hpp"

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool is_unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// As a backend decodes: every valid %XX, the rest left as it is.
std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

bool is_dot_segment(std::string_view segment) {
  segment = segment.substr(0, segment.find(';'));  // "..;x=y" is ".." to a servlet container
  return segment == "." || segment == "..";
}

void check_canonical_escapes(std::string_view path, const std::string& shown) {
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') continue;
    CHECK_PROPERTY(i + 2 < path.size() && hex_value(path[i + 1]) >= 0 && hex_value(path[i + 2]) >= 0,
                   "every '%' in a normalized path starts an escape", shown);
    const std::string_view escape = path.substr(i, 3);
    CHECK_PROPERTY(escape != "%00", "a normalized path has no %00", shown);
    CHECK_PROPERTY(!(escape[1] >= 'a' || escape[2] >= 'a'), "escapes are upper case", shown);
    CHECK_PROPERTY(!is_unreserved(static_cast<char>(hex_value(escape[1]) * 16 + hex_value(escape[2]))),
                   "unreserved characters are not escaped", shown);
    CHECK_PROPERTY(escape != "%2F" && escape != "%5C", "no %2F or %5C (escaped_slashes: reject)", shown);
  }
}

void check_segment(std::string_view segment, const std::string& shown) {
  CHECK_PROPERTY(!segment.empty(), "no '//' in a normalized path", shown);
  const std::string once = percent_decoded(segment);
  const std::string twice = percent_decoded(once);
  CHECK_PROPERTY(!is_dot_segment(segment), "no '.' or '..' segment (';' parameters included)", shown);
  CHECK_PROPERTY(!is_dot_segment(once) && !is_dot_segment(twice),
                 "no segment that is '.' or '..' decoded once or twice", shown);
  CHECK_PROPERTY(once.find_first_of("/\\") == std::string::npos && twice.find_first_of("/\\") == std::string::npos,
                 "no segment that decodes to a slash or backslash, once or twice", shown);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::optional<std::string> normal = cutover::routing::normalize_path(input);
  if (!normal) return 0;
  const std::string_view path = *normal;
  const std::string shown = std::string(input) + "  ->  " + *normal;
  CHECK_PROPERTY(!path.empty() && path.front() == '/', "a normalized path starts with '/'", shown);
  CHECK_PROPERTY(path.find('\\') == std::string_view::npos, "no backslash (backslash: reject)", shown);
  check_canonical_escapes(path, shown);
  // Segments between slashes; a trailing slash (an empty last segment) is kept on purpose.
  std::size_t begin = 1;
  while (begin < path.size()) {
    const std::size_t end = std::min(path.find('/', begin), path.size());
    check_segment(path.substr(begin, end - begin), shown);
    begin = end + 1;
  }
  const std::optional<std::string> again = cutover::routing::normalize_path(path);
  CHECK_PROPERTY(again && *again == path, "normalizing a normalized path gives it back",
                 shown + "  ->  " + (again ? *again : std::string("rejected")));
  return 0;
}
