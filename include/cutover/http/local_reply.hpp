#pragma once
// Replies the gateway writes itself (404 no route, 502, 504, 401 ...): always JSON with a stable
// machine-readable `error`, a sentence for humans, and the request id to grep the logs for.
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace cutover::http {

struct LocalReply {
  unsigned status = 500;
  std::string_view error;    // e.g. "no_route"
  std::string message;       // e.g. "no route matches GET /x"
};

// Builds the response (pure). `keep_alive` false adds Connection: close.
boost::beast::http::response<boost::beast::http::string_body> make_local_reply(
    const LocalReply& reply, std::string_view request_id, unsigned version, bool keep_alive);

}  // namespace cutover::http
