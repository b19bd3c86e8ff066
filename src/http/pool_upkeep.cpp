#include "http/pool_upkeep.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "cutover/upstream/idle_policy.hpp"
#include "http/read_readiness.hpp"

namespace cutover::http {

std::vector<upstream::EndpointPolicy> pool_policies(const runtime::Snapshot& snapshot) {
  std::vector<upstream::EndpointPolicy> out;
  for (const auto& backend : snapshot.backends) {
    for (const auto& endpoint : backend.endpoints) out.push_back({endpoint, backend.config->idle_timeout});
  }
  return out;
}

bool idle_peer_gone(boost::asio::ip::tcp::socket& socket) {
  // Nothing has arrived since a read found the socket empty, not even a FIN or a reset: each
  // would have been a readable event.
  if (!next_read_is_tried_at_once(socket)) return false;
  char byte;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  const int error = n < 0 ? errno : 0;
  if (n < 0 && (error == EAGAIN || error == EWOULDBLOCK)) {
    // Found empty just now, and no event can have been handled since: the next sweep, and the
    // next read, wait for one.
    next_read_waits_for_event(socket);
    return false;
  }
  return upstream::peek_says_gone(n, error);
}

}  // namespace cutover::http
