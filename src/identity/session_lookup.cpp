#include "cutover/identity/session_lookup.hpp"

#include <algorithm>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/deferred.hpp>

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

SessionLookup::SessionLookup(std::size_t capacity, std::chrono::milliseconds ttl)
    : capacity_(capacity), ttl_(ttl) {}

SessionLookup::~SessionLookup() = default;

asio::awaitable<SessionAnswer> SessionLookup::lookup(std::string_view session, Clock::time_point now,
                                                     const Fetch& fetch) {
  if (const auto it = entries_.find(session); it != entries_.end()) {
    if (now < it->second.valid_until) co_return it->second.answer;
    entries_.erase(it);
  }

  if (const auto it = pending_.find(session); it != pending_.end()) {
    const std::shared_ptr<Pending> pending = it->second;
    co_await pending->wake.async_wait(asio::as_tuple(asio::deferred));
    // Woken without an answer means this waiter itself was cancelled: report a failure, which
    // the caller treats like any other failed subrequest.
    if (!pending->done) co_return SessionAnswer{};
    co_return pending->answer;
  }

  std::string key(session);
  const auto pending = std::make_shared<Pending>(co_await asio::this_coro::executor);
  pending_.emplace(key, pending);
  ++fetches_;

  SessionAnswer answer;
  try {
    answer = co_await fetch(key);
  } catch (...) {
    // Fetch must not throw; if it does anyway, waiters still have to be woken and the pending
    // marker removed, or this session would hang forever on this worker.
    answer = SessionAnswer{};
  }

  pending->answer = answer;
  pending->done = true;
  pending_.erase(key);
  // The TTL counts from when the lookup began, so an answer is never trusted for longer than ttl.
  if (answer.kind != SessionAnswer::Kind::failed) store(std::move(key), answer, now);
  pending->wake.cancel();
  co_return answer;
}

// Expired entries go first. If that frees less than a quarter, arbitrary entries go until half is
// free: the hot half of the sessions stays cached, and each O(n) sweep is paid for by at least
// capacity/4 inserts. pending_ needs no bound: it holds at most one entry per request in flight.
void SessionLookup::store(std::string key, SessionAnswer answer, Clock::time_point now) {
  if (capacity_ == 0 || ttl_ <= std::chrono::milliseconds::zero()) return;
  const Entry entry{std::move(answer), now + ttl_};
  if (const auto it = entries_.find(key); it != entries_.end()) {
    it->second = entry;
    return;
  }
  if (entries_.size() >= capacity_) {
    std::erase_if(entries_, [&](const auto& item) { return now >= item.second.valid_until; });
    const std::size_t room = std::max<std::size_t>(capacity_ / 4, 1);
    const std::size_t keep = capacity_ / 2;
    if (entries_.size() + room > capacity_) {
      for (auto it = entries_.begin(); it != entries_.end() && entries_.size() > keep;) {
        it = entries_.erase(it);
      }
    }
  }
  entries_.emplace(std::move(key), entry);
}

}  // namespace cutover::identity
