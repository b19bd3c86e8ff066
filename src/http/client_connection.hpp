#pragma once
// State of one client connection shared by the session loop and the exchange it runs.
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

namespace cutover::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

using RequestParser = bhttp::request_parser<bhttp::buffer_body>;
using ResponseParser = bhttp::response_parser<bhttp::buffer_body>;

struct ClientConnection {
  explicit ClientConnection(boost::asio::ip::tcp::socket s) : socket(std::move(s)) {}
  boost::asio::ip::tcp::socket socket;  // non-blocking; deadlines come from the worker's Watchdog
  beast::flat_buffer buffer;   // bytes read ahead of the current request (pipelining)
  std::string head;            // the response head being written; its capacity is reused
  std::string peer_address;
  std::uint64_t requests = 0;
  bool idle = false;           // waiting for the next request: safe to close during a drain
};

}  // namespace cutover::http
