// What a request head must pass before it is routed (http/request_checks.hpp): framing, target
// form, Host, path rules and header names, each refusal with its reason.
#include "http/request_checks.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cutover::http {
namespace {

using metrics::LocalReason;

struct Checked {
  std::optional<Refusal> refusal;
  AdmittedTarget target;
  std::string host;  // target.host, copied: it points into the parsed request, gone after check()
  std::string query;
};

Checked check(std::string_view head, const config::Config& config = {}) {
  ArenaBlocks blocks;
  FieldArena arena(blocks);
  RequestParser parser(arena);
  parser.header_limit(64 * 1024);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(head.data(), head.size()), ec);
  EXPECT_TRUE(!ec && parser.is_header_done()) << ec.message() << "\n" << head;
  Checked out;
  out.refusal = admit_request(parser.get(), config, out.target);
  out.host = out.target.host;
  out.query = out.target.query;
  return out;
}

LocalReason reason_of(std::string_view head, const config::Config& config = {}) {
  auto checked = check(head, config);
  EXPECT_TRUE(checked.refusal) << "admitted: " << head;
  return checked.refusal ? checked.refusal->reason : LocalReason::no_route;
}

TEST(RequestChecks, AnOrdinaryRequestIsAdmittedWithItsHostForRouting) {
  auto checked = check("GET /a/./b?x=1 HTTP/1.1\r\nHost: Example.COM.:8080\r\n\r\n");
  ASSERT_FALSE(checked.refusal) << checked.refusal->message;
  EXPECT_EQ(checked.target.path, "/a/b");
  EXPECT_EQ(checked.query, "?x=1");
  EXPECT_EQ(checked.host, "Example.COM.:8080") << "as sent: routing reads names without case, port or trailing dot";
}

TEST(RequestChecks, HostMustBeOneValidHost) {
  EXPECT_EQ(reason_of("GET / HTTP/1.1\r\n\r\n"), LocalReason::bad_host);
  EXPECT_EQ(reason_of("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), LocalReason::bad_host);
  EXPECT_EQ(reason_of("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), LocalReason::bad_host);
  EXPECT_EQ(reason_of("GET / HTTP/1.1\r\nHost: x/secret/treasure\r\n\r\n"), LocalReason::bad_host);
  EXPECT_EQ(reason_of("GET / HTTP/1.1\r\nHost: evil.com:80@good\r\n\r\n"), LocalReason::bad_host);
  EXPECT_EQ(reason_of("GET / HTTP/1.1\r\nHost:\r\n\r\n"), LocalReason::bad_host);
  // HTTP/1.0 may leave Host out: routes without a host match it.
  auto old = check("GET / HTTP/1.0\r\n\r\n");
  ASSERT_FALSE(old.refusal);
  EXPECT_EQ(old.host, "");
}

TEST(RequestChecks, AnAbsoluteUrlMustNameTheSameOriginAsHost) {
  auto same = check("GET http://A.example:80/p?q HTTP/1.1\r\nHost: a.example\r\n\r\n");
  ASSERT_FALSE(same.refusal) << same.refusal->message;
  EXPECT_EQ(same.target.path, "/p");
  EXPECT_EQ(same.query, "?q");
  EXPECT_EQ(same.host, "a.example") << "Host, which names the same origin, is what routing reads";
  EXPECT_EQ(reason_of("GET http://evil.example/p HTTP/1.1\r\nHost: a.example\r\n\r\n"), LocalReason::bad_host);
  EXPECT_EQ(reason_of("GET http://user@a.example/p HTTP/1.1\r\nHost: a.example\r\n\r\n"), LocalReason::bad_host);
  EXPECT_EQ(reason_of("GET https://a.example/p HTTP/1.1\r\nHost: a.example:80\r\n\r\n"), LocalReason::bad_host);
  auto without_host = check("GET http://a.example/p HTTP/1.0\r\n\r\n");
  ASSERT_FALSE(without_host.refusal);
  EXPECT_EQ(without_host.host, "a.example");
  EXPECT_EQ(reason_of("GET ftp://a.example/p HTTP/1.1\r\nHost: a.example\r\n\r\n"), LocalReason::bad_request);
  EXPECT_EQ(reason_of("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"), LocalReason::bad_request);
  auto no_path = check("GET http://a.example?x HTTP/1.1\r\nHost: a.example\r\n\r\n");
  ASSERT_FALSE(no_path.refusal);
  EXPECT_EQ(no_path.target.path, "/") << "an empty path is '/' (RFC 9110 4.2.3)";
  EXPECT_EQ(no_path.query, "?x");
}

TEST(RequestChecks, TransferEncodingIsChunkedAloneAndNeverOnHttp10) {
  EXPECT_EQ(reason_of("POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"), LocalReason::bad_request);
  EXPECT_EQ(reason_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), LocalReason::bad_request);
  EXPECT_FALSE(check("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n").refusal);
}

TEST(RequestChecks, PathsFollowThePathRules) {
  EXPECT_EQ(reason_of("GET /secret%2Ftreasure HTTP/1.1\r\nHost: a\r\n\r\n"), LocalReason::invalid_path);
  EXPECT_EQ(reason_of("GET /x/..;/secret HTTP/1.1\r\nHost: a\r\n\r\n"), LocalReason::invalid_path);
  EXPECT_EQ(reason_of("GET /x/%252e%252e/secret HTTP/1.1\r\nHost: a\r\n\r\n"), LocalReason::invalid_path);
  config::Config keep;
  keep.paths.escaped_slashes = config::PathsConfig::EscapedSlashes::keep;
  auto kept = check("GET /secret%2Ftreasure HTTP/1.1\r\nHost: a\r\n\r\n", keep);
  ASSERT_FALSE(kept.refusal);
  EXPECT_EQ(kept.target.path, "/secret%2Ftreasure");
}

TEST(RequestChecks, UnderscoresAreRefusedOnlyWhenTheConfigSaysSo) {
  const std::string head = "GET / HTTP/1.1\r\nHost: a\r\nX_Custom: 1\r\n\r\n";
  EXPECT_FALSE(check(head).refusal) << "drop, the default, removes it later instead";
  config::Config reject;
  reject.headers_with_underscores = config::UnderscoreHeaders::reject;
  auto refused = check(head, reject);
  ASSERT_TRUE(refused.refusal);
  EXPECT_EQ(refused.refusal->reason, LocalReason::bad_header);
  EXPECT_NE(refused.refusal->message.find("X_Custom"), std::string::npos) << refused.refusal->message;
  // A protected name is dropped in any spelling, never a reason to refuse.
  EXPECT_FALSE(check("GET / HTTP/1.1\r\nHost: a\r\nX_User_Id: admin\r\n\r\n", reject).refusal);
}

}  // namespace
}  // namespace cutover::http
