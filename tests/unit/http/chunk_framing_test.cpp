// A chunked body's framing judged before Beast reads it (http/chunk_framing.hpp): size lines and
// trailer sections are bounded, and line endings and extensions Beast would wait past are refused.
#include "http/chunk_framing.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/error.hpp>
#include <string>

#include "cutover/http/message_parser.hpp"

namespace cutover::http {
namespace {

namespace bhttp = boost::beast::http;

boost::system::error_code check(std::string_view pending, std::size_t trailer_limit = 100) {
  return check_chunk_framing(pending, trailer_limit);
}

TEST(ChunkFraming, OrdinaryFramingWholeOrArrivingPasses) {
  for (std::string_view pending : {"", "5", "5\r", "5\r\nhel", "\r\n5\r\nhello", "5;a=b;c=\"d e\\\"f\"\r\nhello",
                                   "5 ; a = b\r\n", "0\r\n", "0\r\n\r\n", "0\r\nX-A: 1\r\n", "0\r\nX-A: 1\r\n\r\n",
                                   "000\r\n\r\n", "1a2B\r\n"}) {
    EXPECT_FALSE(check(pending)) << pending;
  }
}

TEST(ChunkFraming, SizeLinesAreBounded) {
  const std::string zeros(kMaxChunkLineBytes, '0');
  EXPECT_FALSE(check(zeros)) << "at the limit, still arriving";
  EXPECT_FALSE(check(zeros + "\r")) << "at the limit, its LF still to come";
  EXPECT_FALSE(check(zeros + "\r\n")) << "at the limit, whole";
  EXPECT_EQ(check(zeros + "0\r"), FramingError::chunk_line_too_long);
  EXPECT_EQ(check(zeros + "0"), FramingError::chunk_line_too_long);
  EXPECT_EQ(check(zeros + "5\r\nhello"), FramingError::chunk_line_too_long) << "a whole line is judged too";
  EXPECT_EQ(check("5;" + std::string(kMaxChunkLineBytes, 'e')), FramingError::chunk_line_too_long);
  EXPECT_EQ(check("\r\n5;" + std::string(kMaxChunkLineBytes, 'e')), FramingError::chunk_line_too_long);
}

TEST(ChunkFraming, StrayLineEndingsAreRefusedAtOnce) {
  for (std::string_view pending : {"5\nhello", "5;a=b\n", "5\rhello", "0\n\n", "0\r\nX-A: 1\n\r\n", "0\r\nX-A: 1\rB"}) {
    EXPECT_EQ(check(pending), bhttp::error::bad_line_ending) << pending;
  }
}

TEST(ChunkFraming, ExtensionsMustBeWellFormed) {
  for (std::string_view pending : {"5;a=\"x\r\nhello\r\n", "5;\r\n", "5;=b\r\n", "5 x\r\n", "5;a=\r\n", "5;a=b c\r\n"}) {
    EXPECT_EQ(check(pending), bhttp::error::bad_chunk_extension) << pending;
  }
}

TEST(ChunkFraming, TheTrailerSectionIsBoundedLikeAHead) {
  EXPECT_FALSE(check("0\r\nX-A: " + std::string(80, 'a'), 100));
  EXPECT_EQ(check("0\r\nX-A: " + std::string(100, 'a'), 100), bhttp::error::header_limit);
  EXPECT_EQ(check("0\r\nX-A: " + std::string(100, 'a') + "\r\n\r\n", 100), bhttp::error::header_limit);
  EXPECT_FALSE(check("5\r\nhello" + std::string(500, 'x'), 100)) << "chunk data is not a trailer";
}

}  // namespace
}  // namespace cutover::http
