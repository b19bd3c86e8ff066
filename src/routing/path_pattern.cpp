#include "routing/path_pattern.hpp"

#include <algorithm>

#include "routing/pchar.hpp"

namespace cutover::routing::detail {

namespace {

bool is_param_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Splits on '/'; an empty input is one empty segment, matching how a request path "/" splits.
std::vector<std::string_view> split_segments(std::string_view body) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (true) {
    const auto slash = body.find('/', pos);
    if (slash == std::string_view::npos) {
      out.push_back(body.substr(pos));
      return out;
    }
    out.push_back(body.substr(pos, slash - pos));
    pos = slash + 1;
  }
}

// Parses one raw segment into `out`; returns false with `error` set.
bool compile_segment(std::string_view raw, bool is_prefix, PatternSegment& out,
                     std::string& error) {
  if (raw.find('*') != std::string_view::npos) {
    error = is_prefix ? "'*' is not allowed in a prefix (a prefix already matches any rest)"
                      : "'*' is only allowed as the whole last segment, as in /static/*";
    return false;
  }
  if (!raw.empty() && raw.front() == '{') {
    const bool whole = raw.size() >= 2 && raw.back() == '}' &&
                       raw.substr(1, raw.size() - 2).find_first_of("{}") == std::string_view::npos;
    if (!whole) {
      error = "a parameter must be a whole segment like {id}, not '" + std::string(raw) + "'";
      return false;
    }
    out.is_param = true;
    out.text = std::string(raw.substr(1, raw.size() - 2));
    if (out.text.empty()) {
      error = "a parameter needs a name, as in {id}";
      return false;
    }
    if (!std::all_of(out.text.begin(), out.text.end(), is_param_name_char)) {
      error = "parameter name '" + out.text + "' may only use letters, digits, '_' and '-'";
      return false;
    }
    return true;
  }
  if (raw.find_first_of("{}") != std::string_view::npos) {
    error = "a parameter must be a whole segment like {id}, not '" + std::string(raw) + "'";
    return false;
  }
  out.is_param = false;
  if (!append_normalized_segment(raw, out.text)) {
    error = "segment '" + std::string(raw) +
            "' has a character or escape no valid request path carries (request paths allow "
            "RFC 3986 pchar; escape others as %XX; %00 is refused)";
    return false;
  }
  return true;
}

}  // namespace

std::optional<PathPattern> compile_pattern(std::string_view text, bool is_prefix,
                                           std::string& error) {
  if (text.empty() || text.front() != '/') {
    error = "must start with '/'";
    return std::nullopt;
  }
  PathPattern pattern;
  std::string_view body = text.substr(1);
  if (is_prefix) {
    pattern.wildcard = true;
    if (!body.empty() && body.back() == '/') body.remove_suffix(1);  // "/api/" means "/api"
  } else if (body == "*") {
    pattern.wildcard = true;  // "/*": everything, no segments of its own
    return pattern;
  } else if (body.ends_with("/*")) {
    pattern.wildcard = true;
    body.remove_suffix(2);
  }
  if (is_prefix && body.empty()) return pattern;  // prefix "/"

  const auto raw_segments = split_segments(body);
  for (std::size_t i = 0; i < raw_segments.size(); ++i) {
    PatternSegment segment;
    if (!compile_segment(raw_segments[i], is_prefix, segment, error)) return std::nullopt;
    if (segment.is_param) {
      const bool duplicate = std::any_of(
          pattern.segments.begin(), pattern.segments.end(),
          [&](const PatternSegment& s) { return s.is_param && s.text == segment.text; });
      if (duplicate) {
        error = "parameter {" + segment.text + "} appears twice";
        return std::nullopt;
      }
    } else if (pattern.never_matches.empty()) {
      // Normalized request paths hold no dot segments and an empty segment only as the last
      // one (the trailing slash), which only an exact pattern can ask for.
      const bool trailing_slash = i + 1 == raw_segments.size() && !pattern.wildcard;
      if (segment.text == "." || segment.text == "..") {
        pattern.never_matches = "'.' and '..' segments are removed from request paths";
      } else if (segment.text.empty() && !trailing_slash) {
        pattern.never_matches = "'//' is merged into '/' in request paths";
      }
    }
    pattern.segments.push_back(std::move(segment));
  }
  return pattern;
}

}  // namespace cutover::routing::detail
