// Path normalization (routing/path.hpp). The gateway matches the normalized path and forwards it,
// so a path it accepts must mean one thing to every backend. Input: the path, as it appears in
// the request line before any '?'. It goes through normalize_path, and through
// normalize_request_path under each of the six `paths:` settings (escaped_slashes reject, keep,
// decode; backslash reject, slash). Checked on every accepted path:
// - it starts with '/', has no "//" and no "." or ".." segment;
// - it is canonical: normalizing it again gives it back, and its escapes are upper-case %XX of
//   characters that need escaping (an escaped unreserved character would be a second spelling);
// - no %00;
// and, for normalize_request_path, issue 19's paths contract: no segment that a backend decoding
// once more, or parsing ';' parameters as Tomcat and Jetty do, reads as "." or ".."; no backslash;
// no %2F or %5C unless escaped_slashes is keep, and under reject none decoded once or twice either;
// what it decodes to is UTF-8; and the path routes match (match_path) has no ';' and is canonical.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cutover/routing/path.hpp"
#include "fuzz_check.hpp"

namespace {

using cutover::config::PathsConfig;

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

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF.
bool is_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > text.size()) return false;
    std::uint32_t code = n == 1 ? c : c & (0x7f >> n);
    for (std::size_t k = 1; k < n; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3f);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kMin[n] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += n;
  }
  return true;
}

bool is_dot_segment(std::string_view segment, bool with_parameters) {
  if (with_parameters) segment = segment.substr(0, segment.find(';'));  // "..;x=y" is ".." to a servlet container
  return segment == "." || segment == "..";
}

// The properties of any normalized path.
void check_normal(std::string_view path, bool with_parameters, const std::string& shown) {
  CHECK_PROPERTY(!path.empty() && path.front() == '/', "a normalized path starts with '/'", shown);
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') continue;
    CHECK_PROPERTY(i + 2 < path.size() && hex_value(path[i + 1]) >= 0 && hex_value(path[i + 2]) >= 0,
                   "every '%' in a normalized path starts an escape", shown);
    const std::string_view escape = path.substr(i, 3);
    CHECK_PROPERTY(escape != "%00", "a normalized path has no %00", shown);
    CHECK_PROPERTY(!(escape[1] >= 'a' || escape[2] >= 'a'), "escapes are upper case", shown);
    CHECK_PROPERTY(!is_unreserved(static_cast<char>(hex_value(escape[1]) * 16 + hex_value(escape[2]))),
                   "unreserved characters are not escaped", shown);
  }
  // Segments between slashes; a trailing slash (an empty last segment) is kept on purpose.
  for (std::size_t begin = 1; begin < path.size();) {
    const std::size_t end = std::min(path.find('/', begin), path.size());
    const std::string_view segment = path.substr(begin, end - begin);
    CHECK_PROPERTY(!segment.empty(), "no '//' in a normalized path", shown);
    CHECK_PROPERTY(!is_dot_segment(segment, with_parameters), "no '.' or '..' segment", shown);
    begin = end + 1;
  }
}

// What the edge's rules add, for a path normalize_request_path accepted under `rules`.
void check_edge_rules(std::string_view path, const PathsConfig& rules, const std::string& shown) {
  check_normal(path, true, shown);
  const bool keep = rules.escaped_slashes == PathsConfig::EscapedSlashes::keep;
  const bool reject = rules.escaped_slashes == PathsConfig::EscapedSlashes::reject;
  CHECK_PROPERTY(path.find('\\') == std::string_view::npos, "no backslash", shown);
  CHECK_PROPERTY(keep || (path.find("%2F") == std::string_view::npos && path.find("%5C") == std::string_view::npos),
                 "no %2F or %5C unless escaped_slashes: keep", shown);
  for (std::size_t begin = 1; begin < path.size();) {
    const std::size_t end = std::min(path.find('/', begin), path.size());
    const std::string_view segment = path.substr(begin, end - begin);
    const std::string once = percent_decoded(segment);
    const std::string twice = percent_decoded(once);
    CHECK_PROPERTY(!is_dot_segment(once, true) && !is_dot_segment(twice, true),
                   "no segment that is '.' or '..' decoded once or twice", shown);
    CHECK_PROPERTY(!reject || (once.find_first_of("/\\") == std::string::npos &&
                               twice.find_first_of("/\\") == std::string::npos),
                   "no segment that decodes to a slash or backslash, once or twice (escaped_slashes: reject)", shown);
    CHECK_PROPERTY(is_utf8(once), "a segment decodes to UTF-8", shown);
    begin = end + 1;
  }
  const std::string matched = cutover::routing::match_path(path);
  CHECK_PROPERTY(matched.find(';') == std::string::npos && cutover::routing::normalize_path(matched) == matched,
                 "the path routes match has no ';' parameters and is normalized", shown + "  ->  " + matched);
  cutover::routing::PathProblem problem{};
  const std::optional<std::string> again = cutover::routing::normalize_request_path(path, rules, problem);
  CHECK_PROPERTY(again && *again == path, "normalizing a normalized path gives it back (same rules)",
                 shown + "  ->  " + (again ? *again : "refused: " + std::string(describe(problem))));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (const std::optional<std::string> normal = cutover::routing::normalize_path(input)) {
    const std::string shown = std::string(input) + "  ->  " + *normal;
    check_normal(*normal, false, shown);
    CHECK_PROPERTY(cutover::routing::normalize_path(*normal) == *normal, "normalizing a normalized path gives it back",
                   shown);
  }
  using Slashes = PathsConfig::EscapedSlashes;
  using Backslash = PathsConfig::Backslash;
  for (Slashes slashes : {Slashes::reject, Slashes::keep, Slashes::decode}) {
    for (Backslash backslash : {Backslash::reject, Backslash::slash}) {
      const PathsConfig rules{slashes, backslash};
      cutover::routing::PathProblem problem{};
      const std::optional<std::string> path = cutover::routing::normalize_request_path(input, rules, problem);
      if (!path) continue;
      const std::string shown = std::string(input) + "  ->  " + *path + "  (escaped_slashes " +
                                std::to_string(static_cast<int>(slashes)) + ", backslash " +
                                std::to_string(static_cast<int>(backslash)) + ")";
      check_edge_rules(*path, rules, shown);
    }
  }
  return 0;
}
