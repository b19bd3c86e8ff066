#pragma once
// State of one client connection shared by the session loop and the exchange it runs.
#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "cutover/common/read_buffer.hpp"
#include "cutover/http/field_arena.hpp"
#include "cutover/http/message_parser.hpp"
#include "cutover/runtime/snapshot.hpp"
#include "http/stream.hpp"

namespace cutover::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

struct ClientConnection {
  ClientConnection(boost::asio::ip::tcp::socket s, ArenaBlocks& blocks) : socket(std::move(s)), arena(blocks) {}
  boost::asio::ip::tcp::socket socket;  // non-blocking; deadlines come from the worker's Watchdog
  std::unique_ptr<tls::Channel> tls;    // came to the TLS listener: its record layer
  ReadBuffer buffer;           // bytes read ahead of the current request (pipelining)
  std::string head;            // the response head; lent only while a response is written (head_strings.hpp)
  std::string upstream_head;   // the request head as rewritten for the backend; lent until it is sent (with a body: until the exchange ends)
  FieldArena arena;            // the fields of the request and its response; reset between requests
  std::string peer_address;
  // The config the current request runs on, taken once at its first bytes (its header limits)
  // and held until its exchange ends, so a reload never changes a request mid-way. None between
  // requests: an idle connection does not keep a replaced config alive.
  std::shared_ptr<const runtime::Snapshot> snapshot;
  std::uint64_t requests = 0;
  bool idle = false;           // waiting for the next request: safe to close during a drain
  // One clock reading each, shared by what starts or ends there (~28 ns each on the bench's VM).
  std::chrono::steady_clock::time_point request_started;  // the current request's first bytes were seen
  // The last response was written: idle since. Before a first request on a TLS connection, its
  // accept: the handshake counts against that request's header_timeout.
  std::chrono::steady_clock::time_point answered_at;

  Stream stream() { return {socket, tls.get()}; }
};

}  // namespace cutover::http
