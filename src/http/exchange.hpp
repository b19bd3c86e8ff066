#pragma once
// One request/response exchange on a client connection, phases top to bottom (DESIGN.md
// "Request flow"): snapshot → normalize → match → identity → pick → upstream → stream → log.
#include <boost/asio/awaitable.hpp>

#include "cutover/http/local_reply.hpp"
#include "http/client_connection.hpp"
#include "http/linger.hpp"

namespace cutover::http {

class Worker;

// Handles the request whose header `parser` holds. Returns true when the client connection can
// carry another request.
boost::asio::awaitable<bool> run_exchange(Worker& worker, ClientConnection& client, RequestParser& parser);


// For requests that never became an exchange (unparseable, too large, too slow): one JSON reply,
// one access-log line, and the connection closes.
boost::asio::awaitable<void> reply_and_close(Worker& worker, ClientConnection& client, const LocalReply& reply);

// The access-log line of a request that never became an exchange: `status` 0 when nothing was
// answered (the client hung up mid-header). Its duration runs from the header's first bytes.
void log_without_exchange(Worker& worker, const ClientConnection& client, std::string_view request_id,
                          unsigned status, std::string_view error);

}  // namespace cutover::http
