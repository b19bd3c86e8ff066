#pragma once
// What one auth subrequest's outcome means, decided without I/O (auth_subrequest.cpp sequences
// the I/O): an answer's status and user header → a user, anonymous or a failure; a socket error
// → its cause, and whether the lookup may be tried again on a new connection.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <boost/system/error_code.hpp>

#include "cutover/identity/session_cache.hpp"
#include "cutover/metrics/registry.hpp"

namespace cutover::http {

using metrics::LookupFailure;

// A whole answer: 2xx naming a user is that user; 401 and 403 are anonymous (the session names
// nobody). Anything else is a failure: a 2xx without the header is a backend that does not know
// the header it is asked for (a wrong path, a wrong user_header), not a verdict on the session;
// guessing "anonymous" there would move every signed-in user to the anonymous bucket.
struct AnswerVerdict {
  identity::SessionAnswer answer;         // kind failed when `failure` is set
  std::optional<LookupFailure> failure;
};
AnswerVerdict judge_answer(unsigned status, std::string_view user);

// Where an attempt stopped.
enum class AuthStage { connect, send, receive };

struct AttemptFailure {
  LookupFailure cause = LookupFailure::reset;
  // Safe to ask again on a new connection: the connection came from the pool and the backend
  // hung up on it before a byte of an answer (it closed it while idle, and the request met the
  // close). A timeout is never retried: a slow backend asked twice is slower still, and the
  // lookup's time is spent. A new connection that fails says nothing a second one would not.
  bool retryable = false;
};

// `answer_started`: some bytes of an answer had arrived.
AttemptFailure classify_failure(AuthStage stage, const boost::system::error_code& ec, bool reused,
                                bool answer_started);

// The part of the log line after "backend 'NAME' (ADDRESS) ": what happened, for an operator.
// `status` for LookupFailure::status and missing_header.
std::string describe_failure(LookupFailure cause, const boost::system::error_code& ec, unsigned status,
                             std::string_view user_header, std::chrono::milliseconds timeout);

}  // namespace cutover::http
