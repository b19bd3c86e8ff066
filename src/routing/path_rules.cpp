// The edge's rules on request paths that backends decode differently from the gateway. They run
// before and after normalize_path, and only on paths holding '%', '\' or ';': any other path
// has nothing they could refuse or rewrite.
#include <algorithm>

#include "cutover/common/utf8.hpp"
#include "cutover/routing/path.hpp"
#include "routing/pchar.hpp"

namespace cutover::routing {
namespace {

using config::PathsConfig;

// The escape at `at` ("%XX"), decoded; -1 if it is not one.
int escaped_byte(std::string_view text, std::size_t at) {
  if (text.size() - at < 3 || text[at] != '%') return -1;
  const int hi = detail::hex_value(text[at + 1]);
  const int lo = detail::hex_value(text[at + 2]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

// `path` with escaped slashes and backslashes dealt with as `rules` say: what normalize_path then
// reads. Sets `problem` instead when a rule refuses the path.
std::string apply_slash_rules(std::string_view path, const PathsConfig& rules, PathProblem& problem) {
  std::string out;
  out.reserve(path.size());
  const auto backslash = [&]() {
    if (rules.backslash == PathsConfig::Backslash::reject) problem = PathProblem::backslash;
    out.push_back('/');
  };
  for (std::size_t i = 0; i < path.size() && problem == PathProblem::none; ++i) {
    if (path[i] == '\\') {
      backslash();
      continue;
    }
    const int byte = escaped_byte(path, i);
    if (byte != '/' && byte != '\\') {
      out.push_back(path[i]);
      continue;
    }
    switch (rules.escaped_slashes) {
      case PathsConfig::EscapedSlashes::reject:
        problem = PathProblem::escaped_slash;
        break;
      case PathsConfig::EscapedSlashes::keep:
        out.append(path.substr(i, 3));
        break;
      case PathsConfig::EscapedSlashes::decode:
        if (byte == '/') out.push_back('/');
        else backslash();
        break;
    }
    i += 2;
  }
  return out;
}

// Each escape in `text` decoded once; malformed escapes are left as they are.
std::string percent_decoded(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int byte = escaped_byte(text, i);
    if (byte < 0) {
      out.push_back(text[i]);
      continue;
    }
    out.push_back(static_cast<char>(byte));
    i += 2;
  }
  return out;
}

// A segment of a normalized path that some backend reads otherwise than the gateway matched it.
PathProblem judge_segment(std::string_view segment) {
  // Tomcat and Jetty drop the parameters, then resolve what is left: "..;x" climbs a level, and
  // ";x" is an empty segment they merge away ("/;x/secret" is their /secret). Some servers decode
  // before they strip: "%3B" is a ';' to them (escapes are upper-cased by now).
  const std::string_view name = segment.substr(0, std::min(segment.find(';'), segment.find("%3B")));
  if (name.size() < segment.size() && (name.empty() || name == "." || name == "..")) {
    return PathProblem::segment_parameters;
  }
  // A literal '%' is kept as %25: followed by two hex digits it is an escape encoded twice.
  for (std::size_t at = segment.find("%25"); at != std::string_view::npos; at = segment.find("%25", at + 3)) {
    if (segment.size() - at >= 5 && detail::hex_value(segment[at + 3]) >= 0 && detail::hex_value(segment[at + 4]) >= 0) {
      return PathProblem::double_encoded;
    }
  }
  return PathProblem::none;
}

}  // namespace

std::string_view describe(PathProblem problem) {
  switch (problem) {
    case PathProblem::none: return "";
    case PathProblem::malformed: return "the request path is not a valid URL path";
    case PathProblem::escaped_slash:
      return "the request path holds an encoded slash or backslash (%2F, %5C), which backends decode "
             "differently (paths.escaped_slashes)";
    case PathProblem::backslash:
      return "the request path holds a backslash, which some servers read as a slash (paths.backslash)";
    case PathProblem::segment_parameters:
      return "the request path holds a '.', '..' or empty segment with ';' parameters, which Java servers "
             "resolve or drop";
    case PathProblem::double_encoded:
      return "the request path holds an escape encoded twice (%25 and two hex digits, as in %252e or %252F), which "
             "a backend that decodes twice reads as another character";
    case PathProblem::not_utf8:
      return "the request path decodes to bytes that are not UTF-8 (such as the overlong %C0%AE, which some "
             "servers read as '.')";
  }
  return "";
}

std::string match_path(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (std::size_t at = 0; at < path.size();) {
    const std::size_t slash = std::min(path.find('/', at + 1), path.size());
    const std::string_view segment = path.substr(at, slash - at);
    out.append(segment.substr(0, std::min(segment.find(';'), segment.find("%3B"))));
    at = slash;
  }
  return out;
}

std::optional<std::string> normalize_request_path(std::string_view path, const PathsConfig& rules,
                                                  PathProblem& problem) {
  problem = PathProblem::none;
  const bool plain = std::none_of(path.begin(), path.end(), [](char c) { return c == '%' || c == '\\' || c == ';'; });
  if (plain) {
    auto normal = normalize_path(path);
    if (!normal) problem = PathProblem::malformed;
    return normal;
  }
  const std::string slashes_ruled = apply_slash_rules(path, rules, problem);
  if (problem != PathProblem::none) return std::nullopt;
  auto normal = normalize_path(slashes_ruled);
  if (!normal) {
    problem = PathProblem::malformed;
    return std::nullopt;
  }
  if (normal->find('%') != std::string::npos && !valid_utf8(percent_decoded(*normal))) {
    problem = PathProblem::not_utf8;
    return std::nullopt;
  }
  for (std::size_t begin = 1; begin <= normal->size();) {
    const std::size_t end = std::min(normal->find('/', begin), normal->size());
    problem = judge_segment(std::string_view(*normal).substr(begin, end - begin));
    if (problem != PathProblem::none) return std::nullopt;
    begin = end + 1;
  }
  return normal;
}

}  // namespace cutover::routing
