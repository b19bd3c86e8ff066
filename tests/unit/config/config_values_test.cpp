// Bad values (durations, sizes, percentages, host:port, counts, enums, matches) are reported at
// the value's line with a message that says what was wrong; good spellings are accepted.
#include <gtest/gtest.h>

#include "unit/config/config_fixture.hpp"

namespace cutover::config {
namespace {

using test::expect_error;
using test::expect_errors;
using test::expect_valid;
using test::kBase;
using test::parse;
using test::with_base;

// A config whose only route (on line 4) carries `route_body`, one key per line starting at line 5.
std::string with_route(std::string_view route_body) {
  return "backends:\n"
         "  legacy: { endpoints: [127.0.0.1:8000] }\n"
         "routes:\n"
         "  - id: r\n" +
         std::string(route_body);
}

TEST(ConfigValues, BadDurationsNameTheKeyAndTheValue) {
  for (const char* bad : {"30", "5x", "-1s", "1.5s", "s", "\"\"", "31d", "721h"}) {
    SCOPED_TRACE(bad);
    expect_error(with_base("limits:\n  header_timeout: 1s\n  idle_timeout: " + std::string(bad) + "\n"), 3,
                 {"'limits.idle_timeout' must be a duration"});
  }
  expect_error(with_base("limits:\n  idle_timeout: 5x\n"), 2, {"not '5x'"});
  expect_valid(with_base("limits: { idle_timeout: 720h, header_timeout: 250ms, body_timeout: 2m }\n"));
}

TEST(ConfigValues, ZeroTimeoutsAreRejected) {
  expect_error(with_base("limits:\n  body_timeout: 0s\n"), 2, {"'limits.body_timeout' must be more than 0"});
  expect_error(
      "backends:\n"
      "  legacy:\n"
      "    endpoints: [127.0.0.1:8000]\n"
      "    timeout: 0ms\n"
      "routes: [{ id: r, match: { prefix: / }, backend: legacy }]\n",
      4, {"'backends.legacy.timeout' must be more than 0"});
}

TEST(ConfigValues, BadSizes) {
  for (const char* bad : {"64kib", "1.5MiB", "-1", "lots", "64 KiBs", "99999999999999999999"}) {
    SCOPED_TRACE(bad);
    expect_error(with_base("limits:\n  max_body_bytes: " + std::string(bad) + "\n"), 2,
                 {"'limits.max_body_bytes' must be a size"});
  }
  expect_error(with_base("limits:\n  max_header_bytes: 512\n"), 2, {"from 1KiB to 1MiB"});
  expect_error(with_base("limits:\n  max_header_bytes: 2MiB\n"), 2, {"from 1KiB to 1MiB"});
  auto parsed = parse(with_base("limits: { max_header_bytes: 1MiB, max_body_bytes: 0 }\n"));
  EXPECT_TRUE(parsed.errors().empty()) << test::dump(parsed.errors());
  EXPECT_EQ(parsed.config.limits.max_header_bytes, 1u << 20);
  EXPECT_EQ(parsed.config.limits.max_body_bytes, 0u);
}

TEST(ConfigValues, RequestBufferAndMinimumBodyRate) {
  auto parsed = parse(with_base("limits: { request_buffer: 1MiB, min_body_rate: 4KiB/s }\n"));
  EXPECT_TRUE(parsed.errors().empty()) << test::dump(parsed.errors());
  EXPECT_EQ(parsed.config.limits.request_buffer, 1u << 20);
  EXPECT_EQ(parsed.config.limits.min_body_rate, 4096u);
  parsed = parse(with_base("limits: { request_buffer: 0, min_body_rate: 0 }\n"));
  EXPECT_TRUE(parsed.errors().empty()) << test::dump(parsed.errors());
  EXPECT_EQ(parsed.config.limits.min_body_rate, 0u) << "0 turns the minimum off";
  EXPECT_EQ(parse(with_base("limits: { min_body_rate: 512 }\n")).config.limits.min_body_rate, 512u);
  expect_error(with_base("limits:\n  request_buffer: 17MiB\n"), 2, {"'limits.request_buffer' must be at most 16MiB"});
  expect_error(with_base("limits:\n  min_body_rate: fast\n"), 2, {"'limits.min_body_rate' must be a rate like 1KiB/s"});
  expect_error(with_base("limits:\n  min_body_rate: 1KiB/min\n"), 2, {"not '1KiB/min'"});
  // A route may buffer more (an upload form for a legacy app with few workers) or nothing.
  parsed = parse(with_route("    match: { prefix: /upload }\n    backend: legacy\n    request_buffer: 8MiB\n"));
  ASSERT_TRUE(parsed.errors().empty()) << test::dump(parsed.errors());
  EXPECT_EQ(parsed.config.routes[0].request_buffer, 8u << 20);
  EXPECT_FALSE(parse(kBase).config.routes[0].request_buffer) << "unset: limits.request_buffer applies";
  expect_error(with_route("    match: { prefix: / }\n    backend: legacy\n    request_buffer: 1GiB\n"), 7,
               {"'routes.r.request_buffer' must be at most 16MiB"});
}

TEST(ConfigValues, SplitPercentages) {
  auto split_of = [](std::string_view share) {
    return "backends:\n"
           "  legacy: { endpoints: [127.0.0.1:8000] }\n"
           "  notes: { endpoints: [127.0.0.1:9000] }\n"
           "routes:\n"
           "  - id: r\n"
           "    match: { prefix: / }\n"
           "    rollback_to: legacy\n"
           "    split:\n"
           "      notes: " + std::string(share) + "\n";
  };
  for (const char* bad : {"101", "12.345", "-1", "abc", "100.01", "1e2", "[25]"}) {
    SCOPED_TRACE(bad);
    expect_error(split_of(bad), 9, {"'routes.r.split.notes' must be a percentage from 0 to 100 in steps of 0.01"});
  }
  for (auto [text, share] : {std::pair{"0.01", 1u}, {"\"25%\"", 2500u}, {"12.5", 1250u}, {"0", 0u}, {"100", 10000u}}) {
    SCOPED_TRACE(text);
    auto parsed = parse(split_of(text));
    ASSERT_TRUE(parsed.errors().empty()) << test::dump(parsed.errors());
    ASSERT_EQ(parsed.config.routes[0].split.size(), 1u);
    EXPECT_EQ(parsed.config.routes[0].split[0].share, share);
  }
}

TEST(ConfigValues, SplitMustBeAMapOfNames) {
  expect_error(with_route("    match: { prefix: / }\n    split: [legacy]\n"), 6, {"'routes.r.split' must map"});
  expect_error(with_route("    match: { prefix: / }\n    split:\n      ? [a]\n      : 5\n"), 7,
               {"'routes.r.split' keys must be backend names"});
}

TEST(ConfigValues, HostPort) {
  for (const char* bad : {"0.0.0.0", "0.0.0.0:", ":8080", "host:70000", "host:http", "::1:80", "[::1]", "[::1]80"}) {
    SCOPED_TRACE(bad);
    expect_error(with_base(std::string("listen: \"") + bad + "\"\n"), 1, {"'listen' must be host:port"});
  }
  for (auto [text, host, port] : {std::tuple{"127.0.0.1:0", "127.0.0.1", 0}, {"[::1]:80", "::1", 80},
                                  {"localhost:65535", "localhost", 65535}}) {
    SCOPED_TRACE(text);
    auto parsed = parse(with_base(std::string("listen: \"") + text + "\"\n"));
    ASSERT_TRUE(parsed.errors().empty()) << test::dump(parsed.errors());
    EXPECT_EQ(parsed.config.listen.host, host);
    EXPECT_EQ(parsed.config.listen.port, port);
  }
}

TEST(ConfigValues, EndpointsNeedARealPort) {
  expect_errors(
      "backends:\n"
      "  legacy:\n"
      "    endpoints:\n"
      "      - 127.0.0.1:0\n"
      "      - 127.0.0.1:70000\n"
      "      - 127.0.0.1\n"
      "      - [a, b]\n"
      "      - \"[::1]:80\"\n"
      "routes: [{ id: r, match: { prefix: / }, backend: legacy }]\n",
      {{4, 9, {"port from 1 to 65535", "'127.0.0.1:0'"}},
       {5, 9, {"'127.0.0.1:70000'"}},
       {6, 9, {"'127.0.0.1'"}},
       {7, 9, {"a list or map"}}});
  expect_error("backends:\n  legacy: { endpoints: [] }\nroutes: [{ id: r, match: { prefix: / }, backend: legacy }]\n",
               2, {"'backends.legacy.endpoints' must be a non-empty list"});
  expect_error("backends:\n  legacy: { timeout: 1s }\nroutes: [{ id: r, match: { prefix: / }, backend: legacy }]\n",
               2, {"backend 'legacy' needs 'endpoints'"});
  expect_error("backends:\n  \"bad name\": { endpoints: [a:1] }\nroutes: [{ id: r, match: { prefix: / }, backend: legacy }]\n",
               2, {"backend name 'bad name'"});
}

TEST(ConfigValues, Workers) {
  for (const char* bad : {"0", "257", "-1", "two", "4.0", "4KiB"}) {
    SCOPED_TRACE(bad);
    expect_error(with_base("listen: 0.0.0.0:1\nworkers: " + std::string(bad) + "\n"), 2,
                 {"'workers' must be auto or a number from 1 to 256", std::string("not '") + bad + "'"});
  }
  EXPECT_EQ(parse(with_base("workers: auto\n")).config.workers, 0u);
  EXPECT_EQ(parse(with_base("workers: 4\n")).config.workers, 4u);
  EXPECT_EQ(parse(with_base("workers: 256\n")).config.workers, 256u);
}

TEST(ConfigValues, MaxIdlePerEndpointIsAWholeNumber) {
  expect_error("backends:\n  legacy: { endpoints: [a:1], max_idle_per_endpoint: 1KiB }\n"
               "routes: [{ id: r, match: { prefix: / }, backend: legacy }]\n",
               2, {"'backends.legacy.max_idle_per_endpoint' must be a whole number from 0 to 100000"});
}

TEST(ConfigValues, ConnectionLimitAndQueueTimeout) {
  const auto limited = parse("backends:\n  legacy: { endpoints: [a:1], max_connections_per_endpoint: 16, queue_timeout: 500ms }\n"
                             "routes: [{ id: r, match: { prefix: / }, backend: legacy }]\n");
  ASSERT_TRUE(limited.errors().empty()) << test::dump(limited.diagnostics);
  EXPECT_EQ(limited.config.backends[0].max_connections_per_endpoint, 16u);
  EXPECT_EQ(limited.config.backends[0].queue_timeout, std::chrono::milliseconds(500));
  const auto plain = parse("backends:\n  legacy: { endpoints: [a:1] }\nroutes: [{ id: r, match: { prefix: / }, backend: legacy }]\n");
  ASSERT_TRUE(plain.errors().empty()) << test::dump(plain.diagnostics);
  EXPECT_EQ(plain.config.backends[0].max_connections_per_endpoint, 0u);  // no limit
  EXPECT_EQ(plain.config.backends[0].queue_timeout, std::chrono::seconds(2));
  expect_error("backends:\n  legacy: { endpoints: [a:1], max_connections_per_endpoint: -4 }\n"
               "routes: [{ id: r, match: { prefix: / }, backend: legacy }]\n",
               2, {"'backends.legacy.max_connections_per_endpoint' must be a whole number from 0 to 100000"});
  expect_error("backends:\n  legacy:\n    endpoints: [a:1]\n    queue_timeout: 0s\n"
               "routes: [{ id: r, match: { prefix: / }, backend: legacy }]\n",
               4, {"'backends.legacy.queue_timeout' must be more than 0"});
}

TEST(ConfigValues, Booleans) {
  expect_error(with_base("trust_forwarded_headers: maybe\n"), 1, {"must be true or false, not 'maybe'"});
  EXPECT_TRUE(parse(with_base("trust_forwarded_headers: yes\n")).config.trust_forwarded_headers);
  EXPECT_FALSE(parse(with_base("trust_forwarded_headers: off\n")).config.trust_forwarded_headers);
}

TEST(ConfigValues, Enums) {
  expect_error(with_base("identity:\n  anonymous: maybe\n"), 2,
               {"'identity.anonymous' must be one of allow, deny, not 'maybe'"});
  expect_error(with_route("    match: { prefix: / }\n    backend: legacy\n    sticky: session\n"), 7,
               {"'routes.r.sticky' must be one of user, cookie, none, not 'session'"});
}

TEST(ConfigValues, MatchNeedsExactlyOneOfPathAndPrefix) {
  expect_error(with_route("    backend: legacy\n    match:\n      path: /a\n      prefix: /b\n"), 7,
               {"needs exactly one of 'path'", "'prefix'"});
  expect_error(with_route("    backend: legacy\n    match:\n      methods: [GET]\n"), 7, {"needs exactly one of"});
  expect_error(with_route("    backend: legacy\n    match:\n      prefix: api\n"), 7, {"must start with '/'"});
  expect_error(with_route("    backend: legacy\n"), 4, {"route 'r' needs 'match'"});
}

TEST(ConfigValues, Methods) {
  expect_error(with_route("    backend: legacy\n    match:\n      prefix: /\n      methods: GET\n"), 8,
               {"'routes.r.match.methods' must be a non-empty list"});
  expect_error(with_route("    backend: legacy\n    match:\n      prefix: /\n      methods: []\n"), 8,
               {"must be a non-empty list"});
  expect_errors(with_route("    backend: legacy\n    match:\n      prefix: /\n      methods:\n"
                           "        - GET\n        - \"GE T\"\n        - G3T\n"),
                {{10, 11, {"invalid method 'GE T'"}}, {11, 11, {"invalid method 'G3T'"}}});
  auto parsed = parse(with_route("    backend: legacy\n    match: { prefix: /, methods: [get, GET, Post] }\n"));
  ASSERT_TRUE(parsed.errors().empty()) << test::dump(parsed.errors());
  EXPECT_EQ(parsed.config.routes[0].match.methods, (std::vector<std::string>{"GET", "POST"}));
}

TEST(ConfigValues, MatchHost) {
  expect_error(with_route("    backend: legacy\n    match:\n      prefix: /\n      host: example.com:8080\n"), 8,
               {"without port or wildcard"});
  expect_error(with_route("    backend: legacy\n    match:\n      prefix: /\n      host: \"*.example.com\"\n"), 8,
               {"without port or wildcard"});
}

TEST(ConfigValues, RouteNeedsAnId) {
  expect_error("backends:\n  legacy: { endpoints: [a:1] }\nroutes:\n  - match: { prefix: / }\n    backend: legacy\n",
               4, {"'routes[0]' needs an 'id'"});
}

TEST(ConfigValues, HeaderNames) {
  expect_error(with_base("identity:\n  header: \"X User\"\n"), 2, {"'identity.header' must be a header name"});
  expect_error(with_base("identity:\n  namespace: X-\n"), 2, {"'identity.namespace' must be a header-name prefix"});
  expect_error(with_base("identity:\n  sticky_cookie: \"a;b\"\n"), 2, {"'identity.sticky_cookie'"});
}

}  // namespace
}  // namespace cutover::config
