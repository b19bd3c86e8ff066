#pragma once
// The bytes of an upgraded connection (a WebSocket after its 101), copied both ways between the
// client and the backend until each side has closed its sending half, either fails, or nothing has
// moved either way for the idle timeout. The gateway reads none of it: framing is the two ends'.
#include <chrono>
#include <cstdint>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "cutover/common/read_buffer.hpp"
#include "http/stream.hpp"

namespace cutover::http {

class Watchdog;

struct TunnelSide {
  Stream stream;
  ReadBuffer& buffer;  // bytes that came after the handshake's head are sent on first
};

struct TunnelResult {
  std::uint64_t to_backend = 0;
  std::uint64_t to_client = 0;
  bool idle = false;    // ended by the idle timeout
  bool failed = false;  // ended by a reset or a write that failed
};

boost::asio::awaitable<TunnelResult> run_tunnel(Watchdog& watchdog, TunnelSide client, TunnelSide backend,
                                                std::chrono::milliseconds idle_timeout);

}  // namespace cutover::http
