// Header fields allocated from a connection's arena: parsed values are intact whether they fit
// in the lent block or not, and a reset hands the block back to the worker.
#include "cutover/http/field_arena.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "cutover/http/message_parser.hpp"

namespace cutover::http {
namespace {

namespace bhttp = boost::beast::http;
using Parser = RequestParser;

void parse(std::optional<Parser>& parser, FieldArena& arena, const std::string& bytes) {
  parser.emplace(arena);
  parser->header_limit(1024 * 1024);
  boost::system::error_code ec;
  parser->put(boost::asio::buffer(bytes), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser->is_done());
}

TEST(FieldArena, AllocationsAreDistinctAndAligned) {
  ArenaBlocks blocks;
  FieldArena arena(blocks);
  auto* a = static_cast<char*>(arena.allocate(3, 1));
  auto* b = arena.allocate(16, 8);
  auto* c = arena.allocate(8, 8);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b) % 8, 0u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(c) % 8, 0u);
  EXPECT_GE(static_cast<char*>(b), a + 3);
  EXPECT_GE(static_cast<char*>(c), static_cast<char*>(b) + 16);
}

TEST(FieldArena, ResetLendsTheBlockBackAndAnIdleArenaHoldsNone) {
  ArenaBlocks blocks;
  {
    FieldArena arena(blocks);
    arena.allocate(100, 8);
    EXPECT_EQ(blocks.idle(), 0u);
    arena.reset();
    EXPECT_EQ(blocks.idle(), 1u);
    arena.allocate(100, 8);  // the same block, taken again
    EXPECT_EQ(blocks.idle(), 0u);
  }
  EXPECT_EQ(blocks.idle(), 1u) << "destroying an arena gives its block back";
}

TEST(FieldArena, ParsedFieldsAreIntact) {
  ArenaBlocks blocks;
  FieldArena arena(blocks);
  std::optional<Parser> parser;
  parse(parser, arena, "GET /x HTTP/1.1\r\nHost: a.example\r\nCookie: k=v\r\nX-Long: " + std::string(200, 'z') + "\r\n\r\n");
  const auto& request = parser->get();
  EXPECT_EQ(request[bhttp::field::host], "a.example");
  EXPECT_EQ(request[bhttp::field::cookie], "k=v");
  EXPECT_EQ(request["x-long"], std::string(200, 'z'));
  EXPECT_EQ(request.target(), "/x");
}

TEST(FieldArena, HeadersLargerThanABlockSpillToTheHeapIntact) {
  ArenaBlocks blocks;
  FieldArena arena(blocks);
  std::string head = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 200; ++i) head += "X-F" + std::to_string(i) + ": " + std::string(50, static_cast<char>('a' + i % 26)) + "\r\n";
  head += "Cookie: " + std::string(10000, 'c') + "\r\n\r\n";
  std::optional<Parser> parser;
  parse(parser, arena, head);
  const auto& request = parser->get();
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(request["X-F" + std::to_string(i)], std::string(50, static_cast<char>('a' + i % 26))) << i;
  }
  EXPECT_EQ(request[bhttp::field::cookie], std::string(10000, 'c'));
  parser.reset();
  arena.reset();
  EXPECT_GT(blocks.idle(), 1u) << "200 fields take several blocks, all lent back";
}

TEST(FieldArena, ManyRequestsReuseOneBlock) {
  ArenaBlocks blocks;
  FieldArena arena(blocks);
  for (int i = 0; i < 1000; ++i) {
    std::optional<Parser> parser;
    parse(parser, arena, "GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: h" + std::to_string(i) + "\r\n\r\n");
    ASSERT_EQ(parser->get()[bhttp::field::host], "h" + std::to_string(i));
    parser.reset();
    arena.reset();
  }
  EXPECT_EQ(blocks.idle(), 1u);
}

}  // namespace
}  // namespace cutover::http
