// The upstream failure taxonomy (upstream/failure.hpp): what each failure answers, how errors
// are classified, and the retry rule, as a table.
#include "cutover/upstream/failure.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cutover::upstream {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using ::testing::HasSubstr;

constexpr Failure kAll[] = {Failure::connect_refused,        Failure::connect_timeout,    Failure::queue_timeout,
                            Failure::send_failed,            Failure::closed_before_response,
                            Failure::response_timeout,       Failure::malformed_response, Failure::failed_mid_response,
                            Failure::timeout_mid_response};
static_assert(std::size(kAll) == kFailureCount);

TEST(UpstreamFailure, EachAnswersWithItsStatusErrorAndCounter) {
  struct Row {
    Failure failure;
    unsigned status;
    std::string_view error;
    FailureCounter counter;
  };
  const Row rows[] = {
      {Failure::connect_refused, 502, "upstream_unavailable", FailureCounter::counted_per_attempt},
      {Failure::connect_timeout, 504, "upstream_timeout", FailureCounter::timeouts},
      {Failure::queue_timeout, 503, "upstream_busy", FailureCounter::queue_timeouts},
      {Failure::send_failed, 502, "upstream_unavailable", FailureCounter::errors},
      {Failure::closed_before_response, 502, "upstream_unavailable", FailureCounter::errors},
      {Failure::response_timeout, 504, "upstream_timeout", FailureCounter::timeouts},
      {Failure::malformed_response, 502, "upstream_unavailable", FailureCounter::errors},
      {Failure::failed_mid_response, 502, "upstream_unavailable", FailureCounter::errors},
      {Failure::timeout_mid_response, 504, "upstream_timeout", FailureCounter::timeouts},
  };
  ASSERT_EQ(std::size(rows), kFailureCount);
  for (const auto& row : rows) {
    const auto reply = reply_for(row.failure);
    EXPECT_EQ(reply.status, row.status) << static_cast<int>(row.failure);
    EXPECT_EQ(reply.error, row.error) << static_cast<int>(row.failure);
    EXPECT_EQ(reply.counter, row.counter) << static_cast<int>(row.failure);
  }
}

TEST(UpstreamFailure, ErrorsAreClassifiedByWhereTheyHappened) {
  EXPECT_EQ(classify_send(asio::error::broken_pipe), Failure::send_failed);
  EXPECT_EQ(classify_send(asio::error::connection_reset), Failure::send_failed);
  EXPECT_EQ(classify_send(boost::beast::error::timeout), Failure::response_timeout);

  EXPECT_EQ(classify_response_header(bhttp::error::end_of_stream), Failure::closed_before_response);
  EXPECT_EQ(classify_response_header(asio::error::eof), Failure::closed_before_response);
  EXPECT_EQ(classify_response_header(asio::error::connection_reset), Failure::closed_before_response);
  EXPECT_EQ(classify_response_header(boost::beast::error::timeout), Failure::response_timeout);
  // Some of an answer, then the end: the backend answered, badly.
  EXPECT_EQ(classify_response_header(bhttp::error::partial_message), Failure::malformed_response);
  EXPECT_EQ(classify_response_header(bhttp::error::bad_version), Failure::malformed_response);
  EXPECT_EQ(classify_response_header(bhttp::error::header_limit), Failure::malformed_response);

  EXPECT_EQ(classify_response_body(boost::beast::error::timeout), Failure::timeout_mid_response);
  EXPECT_EQ(classify_response_body(asio::error::connection_reset), Failure::failed_mid_response);
  EXPECT_EQ(classify_response_body(bhttp::error::bad_chunk), Failure::failed_mid_response);
}

TEST(UpstreamFailure, OnlyAFirstTryOnAReusedConnectionTheBackendNeverSawIsRetried) {
  for (Failure failure : kAll) {
    const bool never_seen = failure == Failure::send_failed || failure == Failure::closed_before_response;
    EXPECT_EQ(decide_retry(failure, {.attempt = 0, .reused_connection = true}), never_seen) << static_cast<int>(failure);
    // A new connection that fails says something about the backend, not about the pool.
    EXPECT_FALSE(decide_retry(failure, {.attempt = 0, .reused_connection = false})) << static_cast<int>(failure);
    // Once is enough: a second failure is the backend's answer.
    EXPECT_FALSE(decide_retry(failure, {.attempt = 1, .reused_connection = true})) << static_cast<int>(failure);
    // A streamed body cannot be sent again.
    EXPECT_FALSE(decide_retry(failure, {.attempt = 0, .reused_connection = true, .request_has_body = true}))
        << static_cast<int>(failure);
    // A POST may have been acted on however empty it was: never sent twice.
    EXPECT_FALSE(decide_retry(failure, {.attempt = 0, .reused_connection = true, .idempotent = false}))
        << static_cast<int>(failure);
  }
}

TEST(UpstreamFailure, IdempotentMethodsAreThoseOfRfc9110) {
  for (const char* method : {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"}) EXPECT_TRUE(idempotent_method(method)) << method;
  for (const char* method : {"POST", "PATCH", "CONNECT", "LOCK", "get", "PROPFIND"}) EXPECT_FALSE(idempotent_method(method)) << method;
}

TEST(UpstreamFailure, MessagesNameTheBackendAndTheSettingThatApplied) {
  const FailureContext context{.backend = "notes-svc",
                               .timeout = std::chrono::milliseconds(5000),
                               .queue_timeout = std::chrono::milliseconds(2000),
                               .max_connections_per_endpoint = 8,
                               .detail = "bad version"};
  for (Failure failure : kAll) EXPECT_THAT(failure_message(failure, context), HasSubstr("backend 'notes-svc'"));
  EXPECT_THAT(failure_message(Failure::response_timeout, context), HasSubstr("within 5000ms"));
  EXPECT_THAT(failure_message(Failure::queue_timeout, context), HasSubstr("all 8 connections per endpoint in use for 2000ms"));
  EXPECT_THAT(failure_message(Failure::malformed_response, context), HasSubstr("invalid response: bad version"));
  EXPECT_THAT(failure_message(Failure::connect_refused, context), HasSubstr("connection refused"));
}

}  // namespace
}  // namespace cutover::upstream
