#pragma once
// Sends one request to a backend and streams the answer back to the client: endpoint choice
// (round robin, pooled connection or a new one), one safe retry, timeouts mapped to 502/504.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "cutover/http/counters.hpp"
#include "cutover/http/local_reply.hpp"
#include "cutover/runtime/snapshot.hpp"
#include "http/client_connection.hpp"

namespace cutover::http {

class Worker;

struct UpstreamOutcome {
  unsigned status = 0;          // what the client got (0: nothing, the connection was cut)
  std::string_view error;       // why it failed, "" when proxied normally
  std::string_view backend;     // the backend picked
  double upstream_ms = -1;      // request sent → response header received
  std::uint64_t bytes_in = 0;   // request body bytes relayed
  std::uint64_t bytes_out = 0;  // response body bytes relayed
  bool keep_alive = false;
  // Set when nothing reached the client yet: the caller sends it and bumps `counter`.
  std::optional<LocalReply> local_reply;
  Counters::Counter* counter = nullptr;
};

struct UpstreamCall {
  Worker& worker;
  const runtime::Snapshot& snapshot;
  ClientConnection& client;
  RequestParser& parser;        // request header already rewritten for the upstream
  std::uint16_t backend = 0;
  bool expect_continue = false;
  unsigned client_version = 11;
  bool client_keep_alive = true;
  std::string set_cookie;       // Set-Cookie to add to the response, if any
  UpstreamOutcome& outcome;     // where run() leaves its result

  boost::asio::awaitable<void> run();
};

}  // namespace cutover::http
