// Request path normalization, hand-written rather than built on Boost.URL: Boost.URL's
// normalize() neither merges repeated slashes nor rejects %00, and its grammar check plus
// normalize would cost two passes and an allocation even for an already-normal path. Here a
// read-only scan proves the common case needs nothing (one copy, no other work); only paths
// with something to rewrite take the second, rewriting pass.
#include "cutover/routing/path.hpp"

#include "routing/pchar.hpp"

namespace cutover::routing {

namespace detail {

bool append_normalized_segment(std::string_view raw, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c != '%') {
      if (!is_pchar_literal(c)) return false;
      out.push_back(static_cast<char>(c));
      continue;
    }
    if (raw.size() - i < 3) return false;  // truncated escape
    const int hi = hex_value(raw[i + 1]);
    const int lo = hex_value(raw[i + 2]);
    if (hi < 0 || lo < 0) return false;
    const auto value = static_cast<unsigned char>(hi * 16 + lo);
    if (value == 0) return false;  // %00 truncates strings in too many backends
    if (is_unreserved(value)) {
      out.push_back(static_cast<char>(value));
    } else {
      out.push_back('%');
      out.push_back(kHex[hi]);
      out.push_back(kHex[lo]);
    }
    i += 2;
  }
  return true;
}

}  // namespace detail

namespace {

enum class Scan { normal, rewrite, invalid };

bool is_dot_segment(std::string_view segment) { return segment == "." || segment == ".."; }

// Read-only pass over a path starting with '/'. Stops at the first thing to rewrite; the rewriting
// pass then validates the rest, so "rewrite" does not mean "valid".
Scan scan(std::string_view path) {
  std::size_t segment_begin = 1;
  for (std::size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      const auto segment = path.substr(segment_begin, i - segment_begin);
      // An empty last segment is the trailing slash we keep; anywhere else it is "//".
      if ((segment.empty() && i != path.size()) || is_dot_segment(segment)) return Scan::rewrite;
      segment_begin = i + 1;
      continue;
    }
    const auto c = static_cast<unsigned char>(path[i]);
    if (c == '%') {
      if (path.size() - i < 3) return Scan::invalid;
      const int hi = detail::hex_value(path[i + 1]);
      const int lo = detail::hex_value(path[i + 2]);
      if (hi < 0 || lo < 0) return Scan::invalid;
      const auto value = static_cast<unsigned char>(hi * 16 + lo);
      if (value == 0) return Scan::invalid;
      const bool lower_hex = path[i + 1] >= 'a' || path[i + 2] >= 'a';
      if (detail::is_unreserved(value) || lower_hex) return Scan::rewrite;
      i += 2;
      continue;
    }
    if (!detail::is_pchar_literal(c)) return Scan::invalid;
  }
  return Scan::normal;
}

// RFC 3986 5.2.4 remove_dot_segments over decoded segments, plus merging of empty segments.
// Invariant: `out` is "/" followed by kept segments, each closed by '/'; a real last segment is
// left unclosed, so a path ending in "/", "/." or "/.." keeps its trailing slash.
std::optional<std::string> rewrite(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  out.push_back('/');
  std::size_t pos = 1;
  while (true) {
    const auto slash = path.find('/', pos);
    const bool last = slash == std::string_view::npos;
    const auto raw = path.substr(pos, last ? std::string_view::npos : slash - pos);
    const std::size_t start = out.size();
    if (!detail::append_normalized_segment(raw, out)) return std::nullopt;
    const std::string_view segment(out.data() + start, out.size() - start);
    if (segment.empty() || segment == ".") {
      out.resize(start);
    } else if (segment == "..") {
      out.resize(start);
      // Drop the previous segment and its closing '/'; at the root ".." is clamped.
      if (start > 1) out.resize(out.rfind('/', start - 2) + 1);
    } else if (!last) {
      out.push_back('/');
    }
    if (last) break;
    pos = slash + 1;
  }
  return out;
}

}  // namespace

std::optional<std::string> normalize_path(std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  switch (scan(path)) {
    case Scan::normal:
      return std::string(path);
    case Scan::invalid:
      return std::nullopt;
    case Scan::rewrite:
      break;
  }
  return rewrite(path);
}

}  // namespace cutover::routing
