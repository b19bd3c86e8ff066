// The data path's parser stores what Beast's basic_parser reports in a flat array: fields keep
// their order and spelling, lookups find the first match, bodies fill the caller's buffer as
// Beast's buffer_body does, and every verdict (errors, framing, keep-alive) is Beast's own.
#include "cutover/http/message_parser.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/optional/optional_io.hpp>
#include <string>
#include <utility>
#include <vector>

#include "cutover/http/headers.hpp"

namespace cutover::http {
namespace {

namespace bhttp = boost::beast::http;
using boost::system::error_code;

struct Parsed {
  error_code ec;
  std::size_t used = 0;
};

template <class Parser>
Parsed put_all(Parser& parser, std::string_view bytes) {
  Parsed result;
  result.used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), result.ec);
  return result;
}

std::vector<std::pair<std::string, std::string>> fields_of(const ParsedFields& fields) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& field : fields) out.emplace_back(field.name_string(), field.value());
  return out;
}

TEST(MessageParser, KeepsTheRequestLineAndFieldsInOrderAsSpelled) {
  ArenaBlocks blocks;
  FieldArena arena(blocks);
  RequestParser parser(arena);
  auto parsed = put_all(parser, "PATCH /a/b?c=d HTTP/1.0\r\nHost: h.example\r\nx-lower:  padded value  \r\n"
                                "Cookie: a=1\r\nX-Empty:\r\nCOOKIE: b=2\r\n\r\n");
  ASSERT_FALSE(parsed.ec) << parsed.ec.message();
  ASSERT_TRUE(parser.is_done());
  const auto& request = parser.get();
  EXPECT_EQ(request.method(), bhttp::verb::patch);
  EXPECT_EQ(request.method_string(), "PATCH");
  EXPECT_EQ(request.target(), "/a/b?c=d");
  EXPECT_EQ(request.version(), 10u);
  using Fields = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(fields_of(request), (Fields{{"Host", "h.example"}, {"x-lower", "padded value"}, {"Cookie", "a=1"},
                                        {"X-Empty", ""}, {"COOKIE", "b=2"}}));
  EXPECT_EQ(request.begin()->name(), bhttp::field::host);
  EXPECT_EQ((request.begin() + 1)->name(), bhttp::field::unknown);
}

TEST(MessageParser, LookupsFindTheFirstMatchInAnySpellingAndCount) {
  ArenaBlocks blocks;
  FieldArena arena(blocks);
  RequestParser parser(arena);
  ASSERT_FALSE(put_all(parser, "GET / HTTP/1.1\r\nHost: h\r\ncookie: first\r\nX-Trace: t1\r\nCookie: second\r\n"
                               "x-trace: t2\r\n\r\n").ec);
  const auto& request = parser.get();
  EXPECT_EQ(request[bhttp::field::cookie], "first");
  EXPECT_EQ(request.count(bhttp::field::cookie), 2u);
  EXPECT_EQ(request.count(bhttp::field::host), 1u);
  EXPECT_EQ(request.count(bhttp::field::authorization), 0u);
  EXPECT_EQ(request[bhttp::field::authorization], "");
  EXPECT_EQ(request["X-TRACE"], "t1");
  EXPECT_EQ(request["x-trac"], "") << "a prefix is not a match";
  EXPECT_EQ(request["Authorization"], "");
}

TEST(MessageParser, KeepsTheStatusLine) {
  ArenaBlocks blocks;
  FieldArena arena(blocks);
  ResponseParser parser(arena);
  ASSERT_FALSE(put_all(parser, "HTTP/1.1 404 Not Here\r\nContent-Length: 0\r\nServer: s\r\n\r\n").ec);
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(parser.get().result_int(), 404u);
  EXPECT_EQ(parser.get().reason(), "Not Here");
  EXPECT_EQ(parser.get().version(), 11u);
  EXPECT_EQ(parser.get()[bhttp::field::server], "s");
}

TEST(MessageParser, ManyLongFieldsAndALongTargetStayIntact) {
  ArenaBlocks blocks;
  FieldArena arena(blocks);
  const std::string target = "/" + std::string(3000, 't');
  std::string head = "GET " + target + " HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 300; ++i) head += "X-F" + std::to_string(i) + ": v" + std::to_string(i) + "\r\n";
  head += "\r\n";
  RequestParser parser(arena);
  parser.header_limit(1 << 20);
  ASSERT_FALSE(put_all(parser, head).ec);
  const auto& request = parser.get();
  EXPECT_EQ(request.target(), target);
  ASSERT_EQ(request.size(), 301u);
  int i = -1;
  for (const auto& field : request) {
    if (i >= 0) {
      ASSERT_EQ(field.name_string(), "X-F" + std::to_string(i));
      ASSERT_EQ(field.value(), "v" + std::to_string(i));
    }
    ++i;
  }
}

TEST(MessageParser, ABodyFillsTheCallersBufferAndAsksForAnotherWhenItIsFull) {
  ArenaBlocks blocks;
  FieldArena arena(blocks);
  ResponseParser parser(arena);
  const std::string message = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
  std::string_view rest = message;
  auto parsed = put_all(parser, rest);
  ASSERT_FALSE(parsed.ec);
  ASSERT_TRUE(parser.is_header_done());
  rest.remove_prefix(parsed.used);

  // No buffer yet: nothing is taken.
  parsed = put_all(parser, rest);
  EXPECT_EQ(parsed.ec, bhttp::error::need_buffer);
  EXPECT_EQ(parsed.used, 0u);

  char first[4];
  auto& body = parser.get().body();
  body.data = first;
  body.size = sizeof first;
  parsed = put_all(parser, rest);
  EXPECT_EQ(parsed.ec, bhttp::error::need_buffer);
  EXPECT_EQ(parsed.used, 4u);
  EXPECT_EQ(std::string(first, 4), "0123");
  EXPECT_EQ(body.size, 0u);
  rest.remove_prefix(parsed.used);

  char second[16];
  body.data = second;
  body.size = sizeof second;
  parsed = put_all(parser, rest);
  EXPECT_FALSE(parsed.ec) << parsed.ec.message();
  EXPECT_EQ(parsed.used, 6u);
  EXPECT_EQ(std::string(second, 6), "456789");
  EXPECT_EQ(body.size, 10u);
  EXPECT_TRUE(parser.is_done());
}

TEST(MessageParser, AChunkedBodyArrivesDecoded) {
  ArenaBlocks blocks;
  FieldArena arena(blocks);
  RequestParser parser(arena);
  const std::string message =
      "POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  char body_bytes[64];
  auto& body = parser.get().body();
  body.data = body_bytes;
  body.size = sizeof body_bytes;
  std::string_view rest = message;
  while (!rest.empty() && !parser.is_done()) {
    auto parsed = put_all(parser, rest);
    ASSERT_FALSE(parsed.ec) << parsed.ec.message();
    ASSERT_GT(parsed.used, 0u);
    rest.remove_prefix(parsed.used);
  }
  EXPECT_TRUE(parser.is_done());
  EXPECT_TRUE(parser.chunked());
  EXPECT_EQ(std::string(body_bytes, sizeof body_bytes - body.size), "hello world");
}

// Every verdict is basic_parser's: the same input gives the same error, the same framing and the
// same keep-alive as with Beast's own parser.
template <bool IsRequest>
void expect_same_verdict_as_beast(const std::string& message) {
  SCOPED_TRACE(message);
  ArenaBlocks blocks;
  FieldArena arena(blocks);
  MessageParser<IsRequest> ours(arena);
  bhttp::parser<IsRequest, bhttp::string_body> beasts;
  ours.body_limit(boost::none);
  beasts.body_limit(boost::none);
  char body_bytes[256];
  ours.get().body().data = body_bytes;
  ours.get().body().size = sizeof body_bytes;
  auto mine = put_all(ours, message);
  auto theirs = put_all(beasts, message);
  EXPECT_EQ(mine.ec, theirs.ec) << mine.ec.message() << " vs " << theirs.ec.message();
  // A head still arriving: Beast takes its whole lines at once, the fast path leaves a plain one
  // unconsumed until all of it is there (plain_head_test.cpp). Either way the caller reads more.
  if (mine.ec != bhttp::error::need_more) {
    EXPECT_EQ(mine.used, theirs.used);
  }
  EXPECT_EQ(ours.is_header_done(), beasts.is_header_done());
  if (mine.ec || !ours.is_header_done()) return;
  EXPECT_EQ(ours.is_done(), beasts.is_done());
  EXPECT_EQ(ours.chunked(), beasts.chunked());
  EXPECT_EQ(ours.content_length(), beasts.content_length());
  EXPECT_EQ(ours.keep_alive(), beasts.keep_alive());
  std::vector<std::pair<std::string, std::string>> expected;
  for (const auto& field : beasts.get()) expected.emplace_back(field.name_string(), field.value());
  EXPECT_EQ(fields_of(ours.get()), expected);
}

TEST(MessageParser, AHeadOverTheLimitIsRefusedHoweverItArrives) {
  // Found by fuzz_request: Beast took this head when it came in two pieces, the first of them
  // longer than its start line.
  std::string head = "POST /upload HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n";
  for (int i = 0; i < 25; ++i) head += "X-Filler-" + std::to_string(i) + ": " + std::string(40, 'v') + "\r\n";
  head += "\r\n";
  ASSERT_GT(head.size(), 1024u);
  for (std::size_t split = 1; split < head.size(); split += 7) {
    ArenaBlocks blocks;
    FieldArena arena(blocks);
    RequestParser parser(arena);
    parser.header_limit(1024);
    std::string buffered = head.substr(0, split);
    auto first = put_all(parser, buffered);
    if (first.ec == bhttp::error::header_limit) continue;
    ASSERT_EQ(first.ec, bhttp::error::need_more) << "split " << split;
    buffered = buffered.substr(first.used) + head.substr(split);
    EXPECT_EQ(put_all(parser, buffered).ec, bhttp::error::header_limit) << "split " << split;
  }
}

TEST(MessageParser, RequestsGetBeastsVerdicts) {
  for (const std::string message : {
           "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
           "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
           "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc",
           "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
           "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
           "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
           "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
           "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
           "GET / HTTP/1.1\r\nHost : h\r\n\r\n",
           "GET / HTTP/1.1\r\nBad\x01Name: h\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n",
           "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
           "GET / HTTP/2.0\r\nHost: h\r\n\r\n",
           "get / HTTP/1.1\r\nHost: h\r\n\r\n",
           "BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\r\n",  // incomplete: need_more
           "GET / HTTP/1.1\nHost: h\n\n",
       }) {
    expect_same_verdict_as_beast<true>(message);
  }
}

TEST(MessageParser, ResponsesGetBeastsVerdicts) {
  for (const std::string message : {
           "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
           "HTTP/1.1 200 OK\r\n\r\nclose-delimited",
           "HTTP/1.1 204 No Content\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nok",
           "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 2000 OK\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nok",
           "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n",
       }) {
    expect_same_verdict_as_beast<false>(message);
  }
}

// One message parsed by both parsers, the head rewritten from each: `rewrite(out, message)` is
// called with our parsed message, then with Beast's.
template <bool IsRequest, class Rewrite>
std::pair<std::string, std::string> rewritten_by_both(const std::string& bytes, Rewrite rewrite) {
  ArenaBlocks blocks;
  FieldArena arena(blocks);
  MessageParser<IsRequest> ours(arena);
  bhttp::parser<IsRequest, bhttp::string_body> beasts;
  EXPECT_FALSE(put_all(ours, bytes).ec);
  EXPECT_FALSE(put_all(beasts, bytes).ec);
  std::pair<std::string, std::string> heads;
  rewrite(heads.first, ours.get());
  rewrite(heads.second, beasts.get().base());
  return heads;
}

TEST(MessageParser, RewrittenRequestHeadIsTheSameAsFromBeastsOwnFields) {
  UpstreamRequestHead rewrite;
  rewrite.target = "/a?b=c";
  rewrite.request_id = "id";
  rewrite.user = "alice";  // the default policy: X-User-Id, namespace X-Cutover-
  rewrite.forwarded = {"10.0.0.1", "http"};
  const auto [ours, beasts] = rewritten_by_both<true>(
      "POST /a?b=c HTTP/1.1\r\nHost: h\r\nConnection: X-Drop, keep-alive\r\nX-Drop: 1\r\nX-Cutover-R: r\r\n"
      "X-User-Id: forged\r\nExpect: 100-continue\r\nContent-Length: 0\r\nCookie: c=1\r\n\r\n",
      [&](std::string& out, const auto& request) { append_upstream_request_head(out, request, rewrite); });
  EXPECT_EQ(ours, beasts);
  EXPECT_EQ(ours,
            "POST /a?b=c HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nCookie: c=1\r\nX-Request-Id: id\r\n"
            "X-User-Id: alice\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: h\r\n\r\n");
}

TEST(MessageParser, RewrittenResponseHeadIsTheSameAsFromBeastsOwnFields) {
  ClientResponseHead rewrite;
  rewrite.chunking = ClientResponseHead::Chunking::remove;
  rewrite.version = 10;
  rewrite.set_cookie = "s=2";
  const auto [ours, beasts] = rewritten_by_both<false>(
      "HTTP/1.1 200 OK\r\nServer: s\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nTransfer-Encoding: gzip\r\n"
      "Transfer-Encoding: chunked\r\nSet-Cookie: a=1\r\n\r\n",
      [&](std::string& out, const auto& response) { append_client_response_head(out, response, rewrite); });
  EXPECT_EQ(ours, beasts);
  EXPECT_EQ(ours,
            "HTTP/1.0 200 OK\r\nServer: s\r\nTransfer-Encoding: gzip\r\nSet-Cookie: a=1\r\nSet-Cookie: s=2\r\n"
            "Connection: keep-alive\r\n\r\n");
}

}  // namespace
}  // namespace cutover::http
