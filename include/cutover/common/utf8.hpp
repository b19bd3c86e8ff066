#pragma once
// UTF-8 as RFC 3629 defines it: no overlong forms (the %C0%AE kind that once walked IIS out of its
// web root), no surrogates, nothing past U+10FFFF.
#include <cstddef>
#include <string_view>

namespace cutover {

// Length of the valid UTF-8 sequence starting at `at` (1 for an ASCII byte), 0 when there is none.
std::size_t utf8_sequence(std::string_view text, std::size_t at);

bool valid_utf8(std::string_view text);

}  // namespace cutover
