#pragma once
// How an exchange with a backend fails, what each failure tells the client, and whether it is
// safe to try again. Pure: the upstream call classifies what its reads and writes returned, asks
// here, and only sequences the answer.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/system/error_code.hpp>

namespace cutover::upstream {

enum class Failure : std::uint8_t {
  connect_refused,         // no endpoint took a connection (refused, unreachable)
  connect_timeout,         // the connect did not complete within connect_timeout
  queue_timeout,           // every connection the endpoint may have was busy for queue_timeout
  send_failed,             // the connection broke while the request went out
  closed_before_response,  // closed or reset before a single byte of the answer
  response_timeout,        // no whole response header within the backend's timeout
  malformed_response,      // an answer that is not HTTP/1.x as we accept it (or an unasked-for 101)
  failed_mid_response,     // broke after the header, before anything reached the client
  timeout_mid_response,    // went silent after the header, before anything reached the client
};
inline constexpr std::size_t kFailureCount = 9;

// The per-worker counter a failure is counted in (cutover_upstream_*_total). Refused connects
// are counted where they happen, once per attempt (each endpoint tried may refuse): the reply
// counts nothing more.
enum class FailureCounter : std::uint8_t { counted_per_attempt, timeouts, errors, queue_timeouts };

struct FailureReply {
  unsigned status;         // what the client gets when nothing reached it yet
  std::string_view error;  // the reply's and the access log's `error`
  FailureCounter counter;
};

constexpr FailureReply reply_for(Failure failure) {
  switch (failure) {
    case Failure::connect_refused: return {502, "upstream_unavailable", FailureCounter::counted_per_attempt};
    case Failure::connect_timeout: return {504, "upstream_timeout", FailureCounter::timeouts};
    case Failure::queue_timeout: return {503, "upstream_busy", FailureCounter::queue_timeouts};
    case Failure::send_failed: return {502, "upstream_unavailable", FailureCounter::errors};
    case Failure::closed_before_response: return {502, "upstream_unavailable", FailureCounter::errors};
    case Failure::response_timeout: return {504, "upstream_timeout", FailureCounter::timeouts};
    case Failure::malformed_response: return {502, "upstream_unavailable", FailureCounter::errors};
    case Failure::failed_mid_response: return {502, "upstream_unavailable", FailureCounter::errors};
    case Failure::timeout_mid_response: return {504, "upstream_timeout", FailureCounter::timeouts};
  }
  return {502, "upstream_unavailable", FailureCounter::errors};
}

// Whether `failure` counts against the endpoint's health (outlier ejection). Connect failures are
// counted per endpoint where they happen (each endpoint tried may refuse); a full queue is the
// gateway's own limit, not the endpoint's fault.
constexpr bool blames_endpoint(Failure failure) {
  return failure != Failure::connect_refused && failure != Failure::connect_timeout && failure != Failure::queue_timeout;
}

// What a failed write of the request, or a failed read of the response header, means.
Failure classify_send(const boost::system::error_code& ec);
Failure classify_response_header(const boost::system::error_code& ec);
// A failure of the response body before any of it reached the client.
Failure classify_response_body(const boost::system::error_code& ec);

// The facts of one attempt that decide whether another is safe.
struct AttemptFacts {
  unsigned attempt = 0;            // 0 for the first
  bool reused_connection = false;  // the connection came from the pool
  bool request_has_body = false;   // a streamed body cannot be sent again
  bool idempotent = true;          // GET, HEAD, OPTIONS, TRACE, PUT, DELETE (RFC 9110 9.2.2)
};

// A reused connection the backend closed while it sat in the pool fails before any answer: the
// backend almost surely never saw the request, so it is sent once more on a new connection, when
// sending it twice would do no harm: an idempotent method and no body (RFC 9112 9.3.1 allows no
// more). Nothing else is retried: after a timeout or a malformed answer the backend may have acted
// on the request. (Non-idempotent requests take a pooled connection only once it is checked alive.)
constexpr bool decide_retry(Failure failure, const AttemptFacts& facts) {
  const bool never_seen = failure == Failure::send_failed || failure == Failure::closed_before_response;
  return never_seen && facts.reused_connection && facts.attempt == 0 && !facts.request_has_body && facts.idempotent;
}

// RFC 9110 9.2.2: the methods a client may send twice with the effect of once.
constexpr bool idempotent_method(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" || method == "PUT" ||
         method == "DELETE";
}

// What the message of the client's reply needs to know.
struct FailureContext {
  std::string_view backend;
  std::chrono::milliseconds timeout{0};
  std::chrono::milliseconds queue_timeout{0};
  std::size_t max_connections_per_endpoint = 0;
  std::string_view detail;  // the parser's or the socket's own words, where they help
};

// A sentence for the reply's `message`: what happened, at which backend, under which setting.
std::string failure_message(Failure failure, const FailureContext& context);

}  // namespace cutover::upstream
