#include "cutover/identity/user_id.hpp"

#include "cutover/common/utf8.hpp"

namespace cutover::identity {

std::string_view user_id_problem(std::string_view user, bool allow_utf8) {
  if (user.empty()) return "the user id is empty";
  if (user.size() > kMaxUserIdBytes) return "the user id is longer than 256 bytes";
  const auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  if (is_space(user.front()) || is_space(user.back())) return "the user id has leading or trailing whitespace";
  for (std::size_t i = 0; i < user.size(); ++i) {
    const auto c = static_cast<unsigned char>(user[i]);
    if (c < 0x20 || c == 0x7F) return "the user id contains a control character";
    // Servers join repeated fields with ", " (RFC 9110 5.3), so "bob, admin" cannot be told
    // from two identity headers.
    if (c == ',') return "the user id contains ','";
    if (c < 0x80) continue;
    if (!allow_utf8) return "the user id is not printable ASCII (identity.allow_utf8 is off)";
    const std::size_t length = utf8_sequence(user, i);
    if (length == 0) return "the user id is not valid UTF-8";
    i += length - 1;
  }
  return "";
}

std::string percent_encode_user_id(std::string_view user) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(user.size());
  for (char ch : user) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '%' || c >= 0x80) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace cutover::identity
