#pragma once
// A user id on its way into the identity header. Whatever vouched for it (a token's claim, the
// auth subrequest's answer), it is a value a backend will trust and log, so anything that could
// split the header, hide in whitespace or read differently to another parser is refused rather
// than passed on. Pure functions.
#include <string>
#include <string_view>

namespace cutover::identity {

inline constexpr std::size_t kMaxUserIdBytes = 256;

// Why `user` cannot be sent as it is; "" when it can. Refused: empty, over kMaxUserIdBytes,
// leading or trailing whitespace, control bytes, ',' (a list separator), and bytes beyond ASCII
// unless `allow_utf8`, when they must be valid UTF-8 (the caller then sends
// percent_encode_user_id(user)).
std::string_view user_id_problem(std::string_view user, bool allow_utf8);

// With identity.allow_utf8 every id is sent percent-encoded: '%' and each byte beyond ASCII as
// %XX, so that a backend decodes every value the same way, ASCII or not.
std::string percent_encode_user_id(std::string_view user);

}  // namespace cutover::identity
