#pragma once
// State of one client connection shared by the session loop and the exchange it runs.
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

namespace cutover::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

using RequestParser = bhttp::request_parser<bhttp::buffer_body>;
using ResponseParser = bhttp::response_parser<bhttp::buffer_body>;

struct ClientConnection {
  explicit ClientConnection(beast::tcp_stream s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;   // bytes read ahead of the current request (pipelining)
  std::string peer_address;
  std::uint64_t requests = 0;
  bool idle = false;           // waiting for the next request: safe to close during a drain
};

}  // namespace cutover::http
