#include "http/auth_verdict.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace cutover::http {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using Kind = identity::SessionAnswer::Kind;

AnswerVerdict judge_answer(unsigned status, std::string_view user) {
  AnswerVerdict verdict;
  const bool success = status >= 200 && status < 300;
  if (success && !user.empty()) {
    verdict.answer = {Kind::user, std::string(user), false};
  } else if (status == 401 || status == 403) {
    verdict.answer.kind = Kind::anonymous;
  } else {
    verdict.failure = success ? LookupFailure::missing_header : LookupFailure::status;
  }
  return verdict;
}

namespace {

bool is_timeout(const error_code& ec) {
  return ec == boost::beast::error::timeout || ec == asio::error::timed_out;
}

// The backend's side of the connection went away (closed or reset), as opposed to an answer
// that came but made no sense.
bool is_hang_up(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == asio::error::not_connected;
}

bool is_http_error(const error_code& ec) {
  static const auto& category = make_error_code(bhttp::error::bad_version).category();
  return ec.category() == category;
}

}  // namespace

AttemptFailure classify_failure(AuthStage stage, const error_code& ec, bool reused, bool answer_started) {
  AttemptFailure failure;
  if (is_timeout(ec)) {
    failure.cause = LookupFailure::timeout;
  } else if (stage == AuthStage::connect) {
    failure.cause = LookupFailure::refused;
  } else if (is_hang_up(ec) || !is_http_error(ec)) {
    failure.cause = LookupFailure::reset;
  } else {
    failure.cause = LookupFailure::invalid_response;
  }
  failure.retryable = reused && !answer_started && stage != AuthStage::connect && failure.cause == LookupFailure::reset;
  return failure;
}

std::string describe_failure(LookupFailure cause, const error_code& ec, unsigned status, std::string_view user_header,
                             std::chrono::milliseconds timeout) {
  switch (cause) {
    case LookupFailure::refused:
      return "refused the connection (" + ec.message() + ")";
    case LookupFailure::timeout:
      return "gave no answer within " + std::to_string(timeout.count()) + "ms (identity.auth_request.timeout)";
    case LookupFailure::reset:
      return "closed the connection before answering (" + ec.message() + ")";
    case LookupFailure::invalid_response:
      return "sent an answer that is not valid HTTP (" + ec.message() + ")";
    case LookupFailure::status:
      return "answered " + std::to_string(status) + " (only 2xx, 401 and 403 are answers)";
    case LookupFailure::missing_header:
      return "answered " + std::to_string(status) + " without " + std::string(user_header) +
             " (401 or 403 says a session names nobody)";
  }
  return "failed";
}

}  // namespace cutover::http
