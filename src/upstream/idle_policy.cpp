#include "cutover/upstream/idle_policy.hpp"

#include <cerrno>

namespace cutover::upstream {

IdleFate idle_fate(std::chrono::steady_clock::time_point idle_since, std::chrono::steady_clock::time_point now,
                   std::chrono::milliseconds idle_timeout, bool endpoint_retired) {
  // A removed endpoint first: its connections go whatever their age.
  if (endpoint_retired) return IdleFate::endpoint_removed;
  if (idle_expired(idle_since, now, idle_timeout)) return IdleFate::idle_timeout;
  return IdleFate::keep_if_quiet;
}

bool peek_says_gone(ssize_t received, int error) {
  if (received >= 0) return true;  // 0: end of file; more: bytes no request asked for
  return error != EAGAIN && error != EWOULDBLOCK && error != EINTR;
}

}  // namespace cutover::upstream
