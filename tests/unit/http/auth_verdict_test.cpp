// What an auth subrequest's outcome means (http/auth_verdict.hpp): answers, causes, retries.
#include "http/auth_verdict.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace cutover::http {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using Kind = identity::SessionAnswer::Kind;
using ::testing::HasSubstr;

TEST(JudgeAnswer, TwoHundredWithTheHeaderNamesTheUser) {
  const auto verdict = judge_answer(200, "alice");
  EXPECT_EQ(verdict.failure, std::nullopt);
  EXPECT_EQ(verdict.answer.kind, Kind::user);
  EXPECT_EQ(verdict.answer.user, "alice");
  EXPECT_EQ(judge_answer(204, "bob").answer.user, "bob");
}

TEST(JudgeAnswer, FourOhOneAndFourOhThreeAreAnonymous) {
  for (unsigned status : {401u, 403u}) {
    const auto verdict = judge_answer(status, "");
    EXPECT_EQ(verdict.failure, std::nullopt) << status;
    EXPECT_EQ(verdict.answer.kind, Kind::anonymous) << status;
    // A header on a refusal names nobody.
    EXPECT_EQ(judge_answer(status, "mallory").answer.kind, Kind::anonymous) << status;
  }
}

TEST(JudgeAnswer, TwoHundredWithoutTheHeaderIsAFailureNotAnonymous) {
  const auto verdict = judge_answer(200, "");
  EXPECT_EQ(verdict.failure, LookupFailure::missing_header);
  EXPECT_EQ(verdict.answer.kind, Kind::failed);
}

TEST(JudgeAnswer, AnyOtherStatusIsAFailure) {
  for (unsigned status : {100u, 301u, 302u, 400u, 404u, 429u, 500u, 502u, 503u}) {
    const auto verdict = judge_answer(status, "alice");
    EXPECT_EQ(verdict.failure, LookupFailure::status) << status;
    EXPECT_EQ(verdict.answer.kind, Kind::failed) << status;
  }
}

TEST(ClassifyFailure, ConnectFailuresAreRefusedOrTimeoutsAndNeverRetried) {
  auto failure = classify_failure(AuthStage::connect, asio::error::connection_refused, false, false);
  EXPECT_EQ(failure.cause, LookupFailure::refused);
  EXPECT_FALSE(failure.retryable);
  EXPECT_EQ(classify_failure(AuthStage::connect, asio::error::network_unreachable, false, false).cause,
            LookupFailure::refused);
  failure = classify_failure(AuthStage::connect, boost::beast::error::timeout, false, false);
  EXPECT_EQ(failure.cause, LookupFailure::timeout);
  EXPECT_FALSE(failure.retryable);
  EXPECT_EQ(classify_failure(AuthStage::connect, asio::error::timed_out, false, false).cause, LookupFailure::timeout);
}

TEST(ClassifyFailure, AReusedConnectionClosedBeforeAnyAnswerByteIsRetried) {
  const error_code hang_ups[] = {boost::beast::http::error::end_of_stream, asio::error::eof,
                                 asio::error::connection_reset, asio::error::broken_pipe};
  for (const auto& ec : hang_ups) {
    for (auto stage : {AuthStage::send, AuthStage::receive}) {
      const auto failure = classify_failure(stage, ec, true, false);
      EXPECT_EQ(failure.cause, LookupFailure::reset) << ec.message();
      EXPECT_TRUE(failure.retryable) << ec.message();
    }
  }
}

TEST(ClassifyFailure, NotRetriedOnANewConnectionAfterAnswerBytesOrOnATimeout) {
  // A new connection: nothing says another would fare better.
  EXPECT_FALSE(classify_failure(AuthStage::receive, asio::error::connection_reset, false, false).retryable);
  // Part of an answer came: the backend did get the request.
  const auto partial = classify_failure(AuthStage::receive, boost::beast::http::error::partial_message, true, true);
  EXPECT_EQ(partial.cause, LookupFailure::reset);
  EXPECT_FALSE(partial.retryable);
  // The lookup's time is spent.
  const auto slow = classify_failure(AuthStage::receive, boost::beast::error::timeout, true, false);
  EXPECT_EQ(slow.cause, LookupFailure::timeout);
  EXPECT_FALSE(slow.retryable);
}

TEST(ClassifyFailure, AnAnswerThatIsNotHttpIsInvalid) {
  const auto failure = classify_failure(AuthStage::receive, boost::beast::http::error::bad_version, true, true);
  EXPECT_EQ(failure.cause, LookupFailure::invalid_response);
  EXPECT_FALSE(failure.retryable);
  EXPECT_EQ(classify_failure(AuthStage::receive, boost::beast::http::error::body_limit, false, true).cause,
            LookupFailure::invalid_response);
}

TEST(DescribeFailure, SaysWhatAnOperatorNeeds) {
  using namespace std::chrono_literals;
  EXPECT_THAT(describe_failure(LookupFailure::status, {}, 503, "X-User-Id", 2s), HasSubstr("answered 503"));
  EXPECT_THAT(describe_failure(LookupFailure::missing_header, {}, 200, "X-Remote-User", 2s),
              HasSubstr("answered 200 without X-Remote-User"));
  EXPECT_THAT(describe_failure(LookupFailure::timeout, {}, 0, "X-User-Id", 250ms), HasSubstr("within 250ms"));
  EXPECT_THAT(describe_failure(LookupFailure::refused, asio::error::connection_refused, 0, "X-User-Id", 2s),
              HasSubstr("refused"));
  EXPECT_THAT(describe_failure(LookupFailure::reset, asio::error::connection_reset, 0, "X-User-Id", 2s),
              HasSubstr("closed the connection"));
}

}  // namespace
}  // namespace cutover::http
