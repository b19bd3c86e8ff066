// make_local_reply: the JSON body, its headers and connection handling, and hostile messages.
#include "cutover/http/local_reply.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace cutover::http {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

using Response = bhttp::response<bhttp::string_body>;

Response reply(unsigned status, std::string_view error, std::string message, std::string_view request_id = "req-1",
               unsigned version = 11, bool keep_alive = true) {
  return make_local_reply({status, error, std::move(message)}, request_id, version, keep_alive);
}

json body_of(const Response& response) {
  json parsed = json::parse(response.body(), nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << response.body();
  return parsed;
}

TEST(LocalReply, BodyIsJsonWithEveryField) {
  auto response = reply(404, "no_route", "no route matches GET /x", "abc-123");
  EXPECT_EQ(response.result_int(), 404u);
  json body = body_of(response);
  EXPECT_EQ(body, (json{{"error", "no_route"}, {"status", 404}, {"message", "no route matches GET /x"},
                        {"request_id", "abc-123"}}));
  EXPECT_EQ(response.body().back(), '\n');
}

TEST(LocalReply, Headers) {
  auto response = reply(502, "upstream_connect", "backend legacy refused the connection");
  EXPECT_EQ(response[bhttp::field::content_type], "application/json");
  EXPECT_EQ(response[bhttp::field::server], "cutover");
  EXPECT_EQ(response[bhttp::field::cache_control], "no-store");
  EXPECT_EQ(response["X-Request-Id"], "req-1");
  EXPECT_EQ(response[bhttp::field::content_length], std::to_string(response.body().size()));
  EXPECT_EQ(response.count(bhttp::field::www_authenticate), 0u);
  EXPECT_EQ(response.count(bhttp::field::transfer_encoding), 0u);
}

TEST(LocalReply, ContentLengthCountsBytesNotCharacters) {
  auto response = reply(400, "bad_request", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(response[bhttp::field::content_length], std::to_string(response.body().size()));
  EXPECT_EQ(body_of(response)["message"], "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST(LocalReply, UnauthorizedAsksForABearerToken) {
  auto response = reply(401, "unauthenticated", "a valid token is required");
  EXPECT_EQ(response[bhttp::field::www_authenticate], "Bearer");
  EXPECT_EQ(body_of(response)["status"], 401);
  EXPECT_EQ(reply(403, "forbidden", "no").count(bhttp::field::www_authenticate), 0u);
}

TEST(LocalReply, ConnectionCloseWhenNotKeepingAlive) {
  auto closing = reply(400, "bad_request", "m", "r", 11, false);
  EXPECT_EQ(closing[bhttp::field::connection], "close");
  EXPECT_FALSE(closing.keep_alive());
  EXPECT_EQ(closing.version(), 11u);

  auto staying = reply(404, "no_route", "m", "r", 11, true);
  EXPECT_EQ(staying.count(bhttp::field::connection), 0u);  // HTTP/1.1 keeps alive by default
  EXPECT_TRUE(staying.keep_alive());
}

TEST(LocalReply, Http10) {
  auto staying = reply(404, "no_route", "m", "r", 10, true);
  EXPECT_EQ(staying.version(), 10u);
  EXPECT_EQ(staying[bhttp::field::connection], "keep-alive");
  EXPECT_TRUE(staying.keep_alive());
  auto closing = reply(404, "no_route", "m", "r", 10, false);
  EXPECT_FALSE(closing.keep_alive());
  EXPECT_EQ(closing[bhttp::field::content_length], std::to_string(closing.body().size()));
}

TEST(LocalReply, EmptyRequestIdAddsNoHeader) {
  auto response = reply(500, "internal", "m", "");
  EXPECT_EQ(response.count("X-Request-Id"), 0u);
  EXPECT_EQ(body_of(response)["request_id"], "");
}

TEST(LocalReply, HostileMessagesAreEscaped) {
  const std::vector<std::string> messages = {
      "quote \" and backslash \\ and slash /",
      "line\nbreak\rcarriage\ttab",
      std::string("nul \0 byte", 10),
      "bell \x07 escape \x1b[31m del \x7f",
      "\"}, \"error\": \"pwned",
      "unicode \xe2\x80\xa8 line separator",
  };
  for (const auto& message : messages) {
    SCOPED_TRACE(message);
    auto response = reply(400, "bad_request", message);
    json body = body_of(response);
    EXPECT_EQ(body["message"], message);
    EXPECT_EQ(body["error"], "bad_request");
    EXPECT_EQ(body.size(), 4u);
    EXPECT_EQ(response.body().find('\n'), response.body().size() - 1) << "raw newline inside the JSON";
  }
}

TEST(LocalReply, InvalidUtf8StillGivesValidJson) {
  auto response = reply(400, "bad_request", "path /\xff\xfe/\xc3(");
  json body = body_of(response);
  // Each bad byte becomes the code point of the same value, so the body stays one JSON object.
  EXPECT_EQ(body["message"], "path /\xc3\xbf\xc3\xbe/\xc3\x83(");
}

// The table of early exits: every reason's status, and which leave the connection open.
TEST(LocalReply, EveryReasonHasItsStatusAndConnectionRule) {
  using metrics::LocalReason;
  struct Row {
    LocalReason reason;
    unsigned status;
    bool closes;
  };
  const Row rows[] = {
      {LocalReason::bad_request, 400, true},      {LocalReason::invalid_path, 400, true},
      {LocalReason::bad_host, 400, true},         {LocalReason::bad_header, 400, true},
      {LocalReason::header_too_large, 431, true}, {LocalReason::body_too_large, 413, true},
      {LocalReason::client_timeout, 408, true},   {LocalReason::body_too_slow, 408, true},
      {LocalReason::no_route, 404, false},        {LocalReason::unauthorized, 401, false},
      {LocalReason::auth_unavailable, 502, false}, {LocalReason::route_return, 403, false},
      {LocalReason::upgrade_not_allowed, 501, false},
  };
  ASSERT_EQ(std::size(rows), metrics::kLocalReasonCount);
  for (const auto& row : rows) {
    const auto local = local_reply(row.reason, "why");
    EXPECT_EQ(local.status, row.status) << metrics::name_of(row.reason);
    EXPECT_EQ(local.error, metrics::name_of(row.reason));
    EXPECT_EQ(local.closes_connection, row.closes) << metrics::name_of(row.reason);
  }
}

TEST(LocalReply, TheConnectionCarriesOnOnlyWhenEverythingAllowsIt) {
  const auto no_route = local_reply(metrics::LocalReason::no_route, "");
  const auto too_large = local_reply(metrics::LocalReason::body_too_large, "");
  EXPECT_TRUE(keeps_connection(no_route, true, true, false));
  EXPECT_FALSE(keeps_connection(no_route, false, true, false)) << "the client asked to close";
  EXPECT_FALSE(keeps_connection(no_route, true, false, false)) << "an unread body would be read as a request";
  EXPECT_FALSE(keeps_connection(no_route, true, true, true)) << "draining";
  EXPECT_FALSE(keeps_connection(too_large, true, true, false)) << "the rule closes";
  // A backend's failure (502/503/504) is not the client's: its connection carries on.
  EXPECT_TRUE(keeps_connection(LocalReply{502, "upstream_unavailable", ""}, true, true, false));
}

}  // namespace
}  // namespace cutover::http
