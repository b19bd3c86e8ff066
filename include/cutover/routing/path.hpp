#pragma once
// Request path normalization: what the gateway matches is exactly what it forwards.
// Hand-written two-pass scanner, not Boost.URL (src/routing/path.cpp says why): an already-normal
// path costs one read-only pass and one copy.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cutover/config/config.hpp"

namespace cutover::routing {

// Normalizes an origin-form path (no query): percent-decodes unreserved characters, upper-cases
// remaining %XX escapes, merges repeated slashes, and removes "." and ".." segments (clamped at
// the root). Returns nullopt for paths that must be rejected with 400: not starting with '/',
// bad or NUL escapes, characters outside RFC 3986 pchar.
std::optional<std::string> normalize_path(std::string_view path);

// Why a request path is refused: each is a way a backend could read a path otherwise than the
// gateway matched it (docs/security.md has the backends behind each rule).
enum class PathProblem : std::uint8_t {
  none,
  malformed,               // not a valid origin-form path (bad escape, %00, a character outside pchar)
  escaped_slash,           // %2F or %5C, or one encoded twice (%252F), under escaped_slashes: reject
  backslash,               // a '\' (literal, or a decoded %5C) under backslash: reject
  segment_parameters,      // "..;x", ".;x", ";x": a dot or empty segment to Tomcat and Jetty, a name to the gateway
  double_encoded,          // an escape encoded twice (%252e, %252F, %2573): a backend that decodes twice reads another byte
  not_utf8,                // decodes to bytes that are not UTF-8 (overlong %C0%AE, which some servers read as '.')
};

std::string_view describe(PathProblem problem);

// normalize_path under the edge's rules (config `paths:`): escaped slashes and backslashes
// refused, kept or decoded as configured, then normalized as above; then dot segments carrying
// ';' parameters, escapes encoded twice and bytes that are not UTF-8 are refused. On refusal,
// nullopt and `problem` says why.
std::optional<std::string> normalize_request_path(std::string_view path, const config::PathsConfig& rules,
                                                  PathProblem& problem);

// What routes are matched against: a normalized path with every segment's ';' parameters left
// out ("/secret;x/a" is "/secret/a"), as Tomcat and Jetty read it, and those after a "%3B", as
// servers that decode before they strip read it. The backend still gets the path as sent.
std::string match_path(std::string_view path);

}  // namespace cutover::routing
