#include "cutover/upstream/failure.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace cutover::upstream {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

bool is_connection_lost(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe;
}

bool is_timeout(const error_code& ec) { return ec == boost::beast::error::timeout; }

}  // namespace

Failure classify_send(const error_code& ec) {
  return is_timeout(ec) ? Failure::response_timeout : Failure::send_failed;
}

Failure classify_response_header(const error_code& ec) {
  if (is_timeout(ec)) return Failure::response_timeout;
  return is_connection_lost(ec) ? Failure::closed_before_response : Failure::malformed_response;
}

Failure classify_response_body(const error_code& ec) {
  return is_timeout(ec) ? Failure::timeout_mid_response : Failure::failed_mid_response;
}

std::string failure_message(Failure failure, const FailureContext& context) {
  const std::string backend = "backend '" + std::string(context.backend) + "'";
  switch (failure) {
    case Failure::connect_refused:
      return backend + " is unavailable (connection refused)";
    case Failure::connect_timeout:
      return backend + " did not accept a connection in time";
    case Failure::queue_timeout:
      return backend + " had all " + std::to_string(context.max_connections_per_endpoint) +
             " connections per endpoint in use for " + std::to_string(context.queue_timeout.count()) +
             "ms (max_connections_per_endpoint, queue_timeout)";
    case Failure::send_failed:
      return backend + " closed the connection while the request was sent";
    case Failure::closed_before_response:
      return backend + " closed the connection without answering";
    case Failure::response_timeout:
      return backend + " did not answer within " + std::to_string(context.timeout.count()) + "ms";
    case Failure::malformed_response:
      return backend + " sent an invalid response: " + std::string(context.detail);
    case Failure::failed_mid_response:
    case Failure::timeout_mid_response:
      return backend + " failed before the response was complete";
  }
  return backend + " failed";
}

}  // namespace cutover::upstream
