#include "cutover/identity/session_cache.hpp"

#include <algorithm>
#include <utility>

namespace cutover::identity {

Freshness freshness(SessionClock::time_point asked_at, std::chrono::milliseconds ttl,
                    std::chrono::milliseconds stale_if_error, SessionClock::time_point now) {
  // A negative age (a test's clock, or asked_at from a later reading) is as fresh as it gets.
  const auto age = now - asked_at;
  if (age < ttl) return Freshness::fresh;
  if (age < ttl + stale_if_error) return Freshness::stale;
  return Freshness::expired;
}

SessionAnswer fetched_or_stale(SessionAnswer fetched, const SessionAnswer* stale) {
  if (fetched.kind != SessionAnswer::Kind::failed || stale == nullptr) return fetched;
  SessionAnswer answer = *stale;
  answer.stale = true;
  return answer;
}

SessionCache::SessionCache(std::size_t capacity, std::chrono::milliseconds ttl,
                           std::chrono::milliseconds stale_if_error)
    : capacity_(capacity),
      ttl_(std::max(ttl, std::chrono::milliseconds::zero())),
      stale_if_error_(std::max(stale_if_error, std::chrono::milliseconds::zero())) {}

SessionCache::Hit SessionCache::find(std::string_view key, SessionClock::time_point now) {
  const auto it = entries_.find(key);
  if (it == entries_.end()) return {};
  const Freshness state = freshness_of(it->second, now);
  if (state == Freshness::expired) {
    entries_.erase(it);  // dead weight; dropping it now saves a sweep later
    return {};
  }
  return {&it->second.answer, state};
}

void SessionCache::store(std::string key, SessionAnswer answer, SessionClock::time_point asked_at) {
  // With cache_ttl 0 an answer is stale at once: never used without asking, but still there for
  // when asking fails.
  if (capacity_ == 0 || ttl_ + stale_if_error_ <= std::chrono::milliseconds::zero()) return;
  if (answer.kind == SessionAnswer::Kind::failed) return;
  answer.stale = false;
  if (const auto it = entries_.find(key); it != entries_.end()) {
    it->second = Entry{std::move(answer), asked_at};
    return;
  }
  if (entries_.size() >= capacity_) make_room(asked_at);
  entries_.emplace(std::move(key), Entry{std::move(answer), asked_at});
}

// Called when full. Expired entries go first, then stale ones (asked again on their next use
// anyway). If that frees less than a quarter, arbitrary entries go until half is free: the hot
// half of the sessions stays cached, and each O(n) sweep is paid for by at least capacity/4
// inserts.
void SessionCache::make_room(SessionClock::time_point now) {
  const std::size_t room = std::max<std::size_t>(capacity_ / 4, 1);
  const auto full = [&] { return entries_.size() + room > capacity_; };
  std::erase_if(entries_, [&](const auto& item) { return freshness_of(item.second, now) == Freshness::expired; });
  if (!full()) return;
  std::erase_if(entries_, [&](const auto& item) { return freshness_of(item.second, now) != Freshness::fresh; });
  if (!full()) return;
  const std::size_t keep = capacity_ / 2;
  for (auto it = entries_.begin(); it != entries_.end() && entries_.size() > keep;) it = entries_.erase(it);
}

}  // namespace cutover::identity
