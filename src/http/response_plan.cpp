#include "cutover/http/response_plan.hpp"

namespace cutover::http {

ResponsePlan plan_response(const ClientFacts& client, const AnswerFacts& answer) {
  using Chunking = ClientResponseHead::Chunking;
  ResponsePlan plan;
  plan.header_only = answer.head_request || answer.status == 204 || answer.status == 304;
  const bool has_body = !plan.header_only && !answer.complete;
  plan.head.keep_alive = client.keep_alive && !client.draining;
  plan.chunked = answer.chunked;
  if (client.version < 11) {
    plan.head.version = 10;
    if (answer.chunked) plan.head.chunking = Chunking::remove;
    plan.chunked = false;
    if (has_body && !answer.content_length) plan.head.keep_alive = false;
  } else if (has_body && !answer.chunked && !answer.content_length) {
    plan.head.chunking = Chunking::add;
    plan.chunked = true;
  }
  return plan;
}

}  // namespace cutover::http
