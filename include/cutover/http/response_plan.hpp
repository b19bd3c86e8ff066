#pragma once
// How a backend's answer goes to the client: the version, the framing, whether the connection
// carries on, and whether a body follows the head. Pure: deliver_response asks once, between
// reading the answer's head and writing the client's.
#include <cstdint>
#include <optional>

#include "cutover/http/headers.hpp"

namespace cutover::http {

struct ClientFacts {
  unsigned version = 11;    // the request's: 10 or 11
  bool keep_alive = true;   // the request allows the connection to carry on
  bool draining = false;    // the gateway is stopping: every answer says Connection: close
};

struct AnswerFacts {
  unsigned status = 200;
  bool head_request = false;                    // the request was HEAD: the answer has no body
  bool chunked = false;                         // the backend framed its body as chunked
  std::optional<std::uint64_t> content_length;  // the backend's Content-Length, if any
  bool complete = false;                        // the whole message is parsed already (no body, or all of it)
};

struct ResponsePlan {
  ClientResponseHead head;   // version, keep-alive and chunking for the client's head (no cookie)
  bool chunked = false;      // the client's body is chunked
  bool header_only = false;  // nothing follows the head (HEAD, 204, 304)
};

// - HTTP/1.0 has no chunked coding: a chunked body is sent unframed and ends with the connection,
//   as does any body without a length.
// - For HTTP/1.1, a body that ends when the backend closes is re-framed as chunked, so the
//   client's connection lives on.
// - A drain closes every connection, and says so (Connection: close) rather than hanging up
//   after a keep-alive answer.
ResponsePlan plan_response(const ClientFacts& client, const AnswerFacts& answer);

}  // namespace cutover::http
