#pragma once
// Request path normalization: what the gateway matches is exactly what it forwards.
// Hand-written two-pass scanner, not Boost.URL (src/routing/path.cpp says why): an already-normal
// path costs one read-only pass and one copy.
#include <optional>
#include <string>
#include <string_view>

namespace cutover::routing {

// Normalizes an origin-form path (no query): percent-decodes unreserved characters, upper-cases
// remaining %XX escapes, merges repeated slashes, and removes "." and ".." segments (clamped at
// the root). Returns nullopt for paths that must be rejected with 400: not starting with '/',
// bad or NUL escapes, characters outside RFC 3986 pchar.
std::optional<std::string> normalize_path(std::string_view path);

}  // namespace cutover::routing
