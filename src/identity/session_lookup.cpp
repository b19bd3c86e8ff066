#include "cutover/identity/session_lookup.hpp"

#include <optional>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

namespace cutover::identity {

namespace asio = boost::asio;

// One fetch under way. Waiters park on a timer that never fires by itself; the fetcher cancels it
// to wake them all at once. Shared ownership keeps it alive for waiters after it leaves pending_.
struct SessionLookup::Pending {
  explicit Pending(const asio::any_io_executor& executor)
      : wake(executor, asio::steady_timer::time_point::max()) {}
  asio::steady_timer wake;
  SessionAnswer answer;
  bool done = false;
};

SessionLookup::SessionLookup(std::size_t capacity, std::chrono::milliseconds ttl,
                             std::chrono::milliseconds stale_if_error)
    : cache_(capacity, ttl, stale_if_error) {}

SessionLookup::~SessionLookup() = default;

asio::awaitable<SessionAnswer> SessionLookup::lookup(std::string_view key, Clock::time_point now,
                                                     const Fetch& fetch) {
  const SessionCache::Hit hit = cache_.find(key, now);
  if (hit.freshness == Freshness::fresh) co_return *hit.answer;
  // A copy: the entry may be replaced or evicted while this lookup waits.
  std::optional<SessionAnswer> stale;
  if (hit.freshness == Freshness::stale) stale = *hit.answer;
  const SessionAnswer* fallback = stale ? &*stale : nullptr;

  if (const auto it = pending_.find(key); it != pending_.end()) {
    const std::shared_ptr<Pending> pending = it->second;
    co_await pending->wake.async_wait(asio::as_tuple(asio::deferred));
    // Woken without an answer means this waiter itself was cancelled: report a failure, which
    // the caller treats like any other failed subrequest.
    SessionAnswer shared = pending->done ? pending->answer : SessionAnswer{};
    co_return fetched_or_stale(std::move(shared), fallback);
  }

  std::string owned_key(key);
  const auto pending = std::make_shared<Pending>(co_await asio::this_coro::executor);
  pending_.emplace(owned_key, pending);
  ++fetches_;

  SessionAnswer answer;
  try {
    answer = co_await fetch(owned_key);
  } catch (...) {
    // Fetch must not throw; if it does anyway, waiters still have to be woken and the pending
    // marker removed, or this session would hang forever on this worker.
    answer = SessionAnswer{};
  }

  pending->answer = answer;
  pending->done = true;
  pending_.erase(owned_key);
  // Counted from when the lookup began, so an answer is never trusted for longer than cache_ttl.
  // A failure is not stored, and leaves a stale answer where it is for the next request.
  if (answer.kind != SessionAnswer::Kind::failed) cache_.store(std::move(owned_key), answer, now);
  pending->wake.cancel();
  co_return fetched_or_stale(std::move(answer), fallback);
}

}  // namespace cutover::identity
