#include "cutover/http/local_reply.hpp"

#include "cutover/common/json_text.hpp"

namespace cutover::http {

namespace bhttp = boost::beast::http;

bhttp::response<bhttp::string_body> make_local_reply(const LocalReply& reply, std::string_view request_id,
                                                     unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(reply.status), version};
  response.set(bhttp::field::server, "cutover");
  response.set(bhttp::field::cache_control, "no-store");
  if (!request_id.empty()) response.set("X-Request-Id", request_id);
  response.keep_alive(keep_alive);
  // These carry no body, and no Content-Length for one (RFC 9110 8.6).
  if (reply.status == 204 || reply.status == 304) return response;
  if (!reply.body.empty()) {
    response.set(bhttp::field::content_type, reply.content_type);
    response.body() = std::string(reply.body);
    response.prepare_payload();
    return response;
  }
  std::string body = "{\"error\":";
  append_json_string(body, reply.error);
  body += ",\"status\":" + std::to_string(reply.status) + ",\"message\":";
  append_json_string(body, reply.message);
  body += ",\"request_id\":";
  append_json_string(body, request_id);
  body += "}\n";
  response.set(bhttp::field::content_type, "application/json");
  if (reply.status == 401) response.set(bhttp::field::www_authenticate, "Bearer");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

}  // namespace cutover::http
