#include "cutover/runtime/session_source.hpp"

namespace cutover::runtime {

namespace {

const std::vector<boost::asio::ip::tcp::endpoint>* auth_endpoints(const Snapshot& snapshot) {
  if (snapshot.auth_backend < 0 || static_cast<std::size_t>(snapshot.auth_backend) >= snapshot.backends.size()) {
    return nullptr;
  }
  return &snapshot.backends[static_cast<std::size_t>(snapshot.auth_backend)].endpoints;
}

}  // namespace

bool same_session_answers(const Snapshot& before, const Snapshot& after) {
  const auto& a = before.config.identity.auth_request;
  const auto& b = after.config.identity.auth_request;
  if (!a.enabled || !b.enabled) return false;
  // The timeout is left out: it changes how long a question may take, not what the answer is.
  if (a.path != b.path || a.cookie != b.cookie || a.user_header != b.user_header || a.host != b.host ||
      a.cache_ttl != b.cache_ttl || a.stale_if_error != b.stale_if_error || a.cache_entries != b.cache_entries) {
    return false;
  }
  const auto* endpoints_before = auth_endpoints(before);
  const auto* endpoints_after = auth_endpoints(after);
  return endpoints_before && endpoints_after && *endpoints_before == *endpoints_after;
}

}  // namespace cutover::runtime
