#include "cutover/identity/credentials.hpp"

#include <algorithm>

namespace cutover::identity {
namespace {

constexpr std::string_view kBearer = "bearer";
constexpr std::size_t kStickyIdLength = 32;

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

}  // namespace

std::string_view bearer_token(std::string_view authorization) {
  authorization = trim(authorization);
  if (authorization.size() <= kBearer.size()) return {};
  const auto scheme = authorization.substr(0, kBearer.size());
  if (!std::equal(scheme.begin(), scheme.end(), kBearer.begin(),
                  [](char a, char b) { return lower(a) == b; })) {
    return {};
  }
  // "Bearerabc" is another scheme, not a bearer token.
  if (!is_space(authorization[kBearer.size()])) return {};
  return trim(authorization.substr(kBearer.size()));
}

std::string_view find_cookie(std::string_view cookie_header, std::string_view name) {
  if (name.empty()) return {};
  while (!cookie_header.empty()) {
    const auto end = cookie_header.find(';');
    const auto pair = cookie_header.substr(0, end);
    cookie_header = end == std::string_view::npos ? std::string_view{} : cookie_header.substr(end + 1);

    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || trim(pair.substr(0, eq)) != name) continue;
    auto value = trim(pair.substr(eq + 1));
    // RFC 6265 allows a DQUOTE-wrapped cookie-value; the quotes are not part of the value.
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return {};
}

bool valid_sticky_id(std::string_view value) {
  return value.size() == kStickyIdLength && std::all_of(value.begin(), value.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace cutover::identity
