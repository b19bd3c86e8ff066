#pragma once
// The framing of a chunked body, judged before Beast's parser reads it. Beast keeps a chunk's size
// line, and after the last chunk the trailer section, in the caller's buffer until their CRLF
// arrives, and checks neither against a limit; a bare LF, or a quote left open in an extension,
// makes it wait for a CRLF that never comes. Pure.
#include <cstddef>
#include <string_view>

#include <boost/system/error_code.hpp>

namespace cutover::http {

inline constexpr std::size_t kMaxChunkLineBytes = 4096;

// `pending` starts where a chunk size line is due: after the previous chunk's data (whose CRLF it
// may start with), or right after the head. An error when what is there can only end badly:
// - FramingError::chunk_line_too_long: a size line (digits, leading zeros and extensions) over
//   kMaxChunkLineBytes;
// - bad_line_ending: a CR or LF that is not part of a CRLF, in the line or the trailer section;
// - bad_chunk_extension: extensions that are not `*( ";" name [ "=" token / quoted-string ] )`;
// - header_limit: a trailer section (after a last chunk, "0") over `trailer_limit` bytes.
// Success when it is fine so far, whole or not.
boost::system::error_code check_chunk_framing(std::string_view pending, std::size_t trailer_limit);

}  // namespace cutover::http
