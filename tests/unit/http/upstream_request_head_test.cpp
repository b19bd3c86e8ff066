// append_upstream_request_head beyond stripping: the request line, Expect, X-Request-Id, the
// identity header, the exact order of what the gateway appends, and heads parsed from real bytes.
#include "cutover/http/headers.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <string>

#include "unit/http/header_fields.hpp"

namespace cutover::http {
namespace {

using test::HeaderList;
using test::make_request;
using test::parse_head;
using test::values_of;

using Values = std::vector<std::string>;

UpstreamRequestHead default_rewrite() { return test::typical_rewrite(); }

std::string upstream_head(const bhttp::request_header<>& request, const UpstreamRequestHead& rewrite) {
  std::string out;
  append_upstream_request_head(out, request, rewrite);
  return out;
}

TEST(UpstreamRequestLine, MethodSpellingIsKept) {
  auto rewrite = default_rewrite();
  EXPECT_EQ(parse_head(upstream_head(make_request({}, "GET"), rewrite)).start_line, "GET / HTTP/1.1");
  EXPECT_EQ(parse_head(upstream_head(make_request({}, "POST"), rewrite)).start_line, "POST / HTTP/1.1");
  // PURGE is one of Beast's verbs; BREW is not and is kept as the client spelled it.
  EXPECT_EQ(parse_head(upstream_head(make_request({}, "PURGE"), rewrite)).start_line, "PURGE / HTTP/1.1");
  EXPECT_EQ(parse_head(upstream_head(make_request({}, "BREW"), rewrite)).start_line, "BREW / HTTP/1.1");
}

TEST(UpstreamRequestLine, TargetIsTheRewritesNotTheParsedOne) {
  auto rewrite = default_rewrite();
  rewrite.target = "/notes/1?x=%2F&y";
  auto head = parse_head(upstream_head(make_request({}, "GET", "/api/v1/./notes/1?x=%2F&y"), rewrite));
  EXPECT_EQ(head.start_line, "GET /notes/1?x=%2F&y HTTP/1.1");
}

TEST(UpstreamRequestLine, VersionIsAlwaysHttp11) {
  auto rewrite = default_rewrite();
  EXPECT_EQ(parse_head(upstream_head(make_request({}, "GET", "/", 10), rewrite)).start_line, "GET / HTTP/1.1");
  EXPECT_EQ(parse_head(upstream_head(make_request({}, "GET", "/", 11), rewrite)).start_line, "GET / HTTP/1.1");
}

TEST(UpstreamRequestHead, AppendsToWhatIsAlreadyThere) {
  std::string out = "kept|";
  append_upstream_request_head(out, make_request({}), default_rewrite());
  EXPECT_EQ(out,
            "kept|GET / HTTP/1.1\r\n"
            "X-Request-Id: req-1\r\n"
            "X-Forwarded-For: 10.0.0.1\r\n"
            "X-Forwarded-Proto: http\r\n"
            "\r\n");
}

TEST(UpstreamRequestHead, ExactOrderOfTheAppendedHeaders) {
  auto rewrite = default_rewrite();
  rewrite.target = "/x?y=1";
  rewrite.user = "alice";
  rewrite.forwarded = {"203.0.113.7", "https"};
  auto out = upstream_head(make_request({{"Host", "app.example"}, {"accept", "*/*"}, {"Cookie", "a=1"}}, "POST", "/in"),
                           rewrite);
  EXPECT_EQ(out,
            "POST /x?y=1 HTTP/1.1\r\n"
            "Host: app.example\r\n"
            "accept: */*\r\n"
            "Cookie: a=1\r\n"
            "X-Request-Id: req-1\r\n"
            "X-User-Id: alice\r\n"
            "X-Forwarded-For: 203.0.113.7\r\n"
            "X-Forwarded-Proto: https\r\n"
            "X-Forwarded-Host: app.example\r\n"
            "\r\n");
}

TEST(UpstreamRequestHead, TrustedClientHeadersStayWhereTheClientPutThem) {
  auto rewrite = default_rewrite();
  HeaderPolicy trusted;
  trusted.trust_forwarded = true;
  rewrite.policy = &trusted;
  auto out = upstream_head(make_request({{"X-Forwarded-Proto", "https"},
                                         {"Host", "internal:8080"},
                                         {"X-Forwarded-For", "1.1.1.1"},
                                         {"X-Forwarded-Host", "www.example"}}),
                           rewrite);
  EXPECT_EQ(out,
            "GET / HTTP/1.1\r\n"
            "X-Forwarded-Proto: https\r\n"
            "Host: internal:8080\r\n"
            "X-Forwarded-Host: www.example\r\n"
            "X-Request-Id: req-1\r\n"
            "X-Forwarded-For: 1.1.1.1, 10.0.0.1\r\n"
            "\r\n");
}

TEST(UpstreamRequestHead, EndsWithOneBlankLine) {
  auto out = upstream_head(make_request({{"Host", "a"}, {"Accept", "*/*"}}), default_rewrite());
  ASSERT_GE(out.size(), 4u);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
  EXPECT_EQ(out.find("\r\n\r\n"), out.size() - 4);
  EXPECT_TRUE(parse_head(out).well_formed);
}

TEST(UpstreamRequestHead, ExpectIsRemovedInAnyCase) {
  auto head = parse_head(upstream_head(
      make_request({{"Host", "a"}, {"Expect", "100-continue"}, {"Content-Length", "3"}, {"expect", "other"}}, "PUT"),
      default_rewrite()));
  EXPECT_TRUE(head.well_formed);
  EXPECT_TRUE(values_of(head.fields, "Expect").empty());
  EXPECT_EQ(values_of(head.fields, "Content-Length"), (Values{"3"}));
}

TEST(UpstreamRequestHead, ClientRequestIdIsReplaced) {
  auto rewrite = default_rewrite();
  rewrite.request_id = "gw-42";
  auto head = parse_head(upstream_head(
      make_request({{"X-Request-Id", "client-1"}, {"Accept", "*/*"}, {"x-request-id", "client-2"}}), rewrite));
  EXPECT_TRUE(head.well_formed);
  EXPECT_EQ(values_of(head.fields, "X-Request-Id"), (Values{"gw-42"}));
  EXPECT_EQ(head.fields, (HeaderList{{"Accept", "*/*"},
                                     {"X-Request-Id", "gw-42"},
                                     {"X-Forwarded-For", "10.0.0.1"},
                                     {"X-Forwarded-Proto", "http"}}));
}

TEST(UpstreamRequestHead, IdentityIsSetToTheUserReplacingAForgedOneInAnySpelling) {
  auto rewrite = default_rewrite();
  rewrite.user = "alice";
  const HeaderList forged{{"x-user-id", "root"}, {"Accept", "*/*"}, {"X-USER-ID", "admin"}, {"X-User-Id", "bob"}};
  auto head = parse_head(upstream_head(make_request(forged), rewrite));
  EXPECT_TRUE(head.well_formed);
  EXPECT_EQ(values_of(head.fields, "X-User-Id"), (Values{"alice"}));
  EXPECT_EQ(head.fields, (HeaderList{{"Accept", "*/*"},
                                     {"X-Request-Id", "req-1"},
                                     {"X-User-Id", "alice"},
                                     {"X-Forwarded-For", "10.0.0.1"},
                                     {"X-Forwarded-Proto", "http"}}));
}

TEST(UpstreamRequestHead, NoUserMeansNoIdentityHeaderEvenAForgedOne) {
  const HeaderList forged{{"x-user-id", "root"}, {"Accept", "*/*"}, {"X-USER-ID", "admin"}};
  auto head = parse_head(upstream_head(make_request(forged), default_rewrite()));
  EXPECT_TRUE(head.well_formed);
  EXPECT_TRUE(values_of(head.fields, "X-User-Id").empty());
  EXPECT_EQ(head.fields, (HeaderList{{"Accept", "*/*"},
                                     {"X-Request-Id", "req-1"},
                                     {"X-Forwarded-For", "10.0.0.1"},
                                     {"X-Forwarded-Proto", "http"}}));
}

TEST(UpstreamRequestHead, ConfiguredIdentityHeaderIsSpelledAsConfigured) {
  auto rewrite = default_rewrite();
  HeaderPolicy policy;
  policy.identity_header = "X-Auth-User";
  rewrite.policy = &policy;
  rewrite.user = "alice";
  auto head = parse_head(upstream_head(make_request({{"x-auth-user", "root"}, {"X-User-Id", "b"}}), rewrite));
  EXPECT_EQ(head.fields, (HeaderList{{"X-User-Id", "b"},
                                     {"X-Request-Id", "req-1"},
                                     {"X-Auth-User", "alice"},
                                     {"X-Forwarded-For", "10.0.0.1"},
                                     {"X-Forwarded-Proto", "http"}}));
}

// Parses `text` as a request head the way the gateway does (header first, body later).
bhttp::request<bhttp::empty_body> parsed_request(std::string_view text) {
  bhttp::request_parser<bhttp::empty_body> parser;
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(text.data(), text.size()), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_header_done());
  return parser.release();
}

TEST(UpstreamRequestHead, FromRealBytes) {
  auto message = parsed_request(
      "purge /cache/a HTTP/1.0\r\n"
      "host: cdn.example\r\n"
      "Connection: keep-alive, X-Hop\r\n"
      "X-Hop: 1\r\n"
      "Expect: 100-continue\r\n"
      "X-Cutover-Route: evil\r\n"
      "X-Forwarded-For: 6.6.6.6\r\n"
      "Content-Length: 4\r\n"
      "\r\n");
  auto rewrite = default_rewrite();
  rewrite.target = "/a";
  EXPECT_EQ(upstream_head(message.base(), rewrite),
            "purge /a HTTP/1.1\r\n"
            "host: cdn.example\r\n"
            "Content-Length: 4\r\n"
            "X-Request-Id: req-1\r\n"
            "X-Forwarded-For: 10.0.0.1\r\n"
            "X-Forwarded-Proto: http\r\n"
            "X-Forwarded-Host: cdn.example\r\n"
            "\r\n");
}

}  // namespace
}  // namespace cutover::http
