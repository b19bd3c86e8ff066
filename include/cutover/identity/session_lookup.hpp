#pragma once
// Per-worker lookups of auth-subrequest answers ("which user owns this session cookie?"), through
// a SessionCache (fresh for cache_ttl, then stale for stale_if_error). Concurrent lookups of one
// session are coalesced into a single fetch: the first caller fetches, the others wait for its
// answer. A stale answer is fetched again, and given only when that fails. Failures are not
// cached (the next request tries again). One instance per worker thread: no locks.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "cutover/identity/session_cache.hpp"

namespace cutover::identity {

class SessionLookup {
 public:
  using Clock = SessionClock;
  // Performs the real subrequest for the session `key` names. Must not throw.
  using Fetch = std::function<boost::asio::awaitable<SessionAnswer>(std::string key)>;

  SessionLookup(std::size_t capacity, std::chrono::milliseconds ttl,
                std::chrono::milliseconds stale_if_error = std::chrono::milliseconds::zero());
  ~SessionLookup();

  // The answer for `key` (the session, and whatever else the answer depends on), from the
  // cache, from a fetch already under way, or from a new one. `key` and `fetch` must stay alive
  // until the returned awaitable completes (co_await it at once), and this object must outlive
  // every lookup in flight.
  boost::asio::awaitable<SessionAnswer> lookup(std::string_view key, Clock::time_point now, const Fetch& fetch);

  std::uint64_t fetches() const { return fetches_; }  // how many real subrequests were made
  std::size_t size() const { return cache_.size(); }

 private:
  struct Pending;
  // Transparent, so a lookup doesn't build a std::string.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept { return std::hash<std::string_view>{}(key); }
  };

  SessionCache cache_;
  // Needs no bound: it holds at most one entry per request in flight.
  std::unordered_map<std::string, std::shared_ptr<Pending>, Hash, std::equal_to<>> pending_;
  std::uint64_t fetches_ = 0;
};

}  // namespace cutover::identity
