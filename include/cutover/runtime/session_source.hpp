#pragma once
// Whether the auth-subrequest answers a worker cached under one snapshot still hold under the
// next: the same question (path, cookie, user header, Host) put to the same endpoints, and
// remembered the same way (cache_ttl, stale_if_error, cache_entries). Then a reload keeps the
// session cache, so a reload during a monolith outage does not drop the stale identities users
// are getting by on; any change to identity.auth_request or the auth backend's endpoints starts
// afresh, as every other identity cache does.
#include "cutover/runtime/snapshot.hpp"

namespace cutover::runtime {

bool same_session_answers(const Snapshot& before, const Snapshot& after);

}  // namespace cutover::runtime
