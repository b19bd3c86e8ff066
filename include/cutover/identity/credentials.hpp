#pragma once
// Pulling credentials out of request headers. Pure string functions.
#include <string_view>

namespace cutover::identity {

// "Bearer abc" -> "abc" (scheme case-insensitive, surrounding spaces trimmed); "" otherwise.
std::string_view bearer_token(std::string_view authorization);

// Value of cookie `name` in a Cookie header ("a=1; b=2"), or "" when absent. First one wins.
std::string_view find_cookie(std::string_view cookie_header, std::string_view name);

// A gateway sticky-cookie value is 32 lower-case hex characters; anything else is replaced.
bool valid_sticky_id(std::string_view value);

}  // namespace cutover::identity
