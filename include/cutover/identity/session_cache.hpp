#pragma once
// What the auth subrequest said about each session, remembered per worker. An answer is fresh for
// cache_ttl after the lookup began (used without asking again), then stale for stale_if_error
// (asked again, and used only when asking fails), then expired. So a monolith that dies does not
// lock signed-in users out of the services that no longer need it, for up to stale_if_error,
// while the cache never vouches for a session for longer than cache_ttl when it can ask.
//
// Bounded by `capacity` entries, stale ones included, like the other per-worker caches.
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cutover::identity {

struct SessionAnswer {
  enum class Kind { user, anonymous, failed };
  Kind kind = Kind::failed;
  std::string user;    // when kind == user
  bool stale = false;  // an answer past cache_ttl, given because asking again failed
};

enum class Freshness { fresh, stale, expired };

using SessionClock = std::chrono::steady_clock;

// How usable an answer to a lookup that began at `asked_at` is at `now`.
Freshness freshness(SessionClock::time_point asked_at, std::chrono::milliseconds ttl,
                    std::chrono::milliseconds stale_if_error, SessionClock::time_point now);

// The answer a lookup gives: what was fetched, or the stale answer (marked stale) when fetching
// failed and there is one. A failure never replaces an answer the cache still may give.
SessionAnswer fetched_or_stale(SessionAnswer fetched, const SessionAnswer* stale);

class SessionCache {
 public:
  SessionCache(std::size_t capacity, std::chrono::milliseconds ttl, std::chrono::milliseconds stale_if_error);

  struct Hit {
    const SessionAnswer* answer = nullptr;  // valid until the next store()
    Freshness freshness = Freshness::expired;
  };
  // The entry for `key` and how usable it is at `now`; an expired entry is dropped.
  Hit find(std::string_view key, SessionClock::time_point now);

  // Remembers `answer` (never a failure) for a lookup that began at `asked_at`.
  void store(std::string key, SessionAnswer answer, SessionClock::time_point asked_at);

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    SessionAnswer answer;
    SessionClock::time_point asked_at;
  };
  // Transparent, so a cache hit doesn't build a std::string.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept { return std::hash<std::string_view>{}(key); }
  };

  Freshness freshness_of(const Entry& entry, SessionClock::time_point now) const {
    return freshness(entry.asked_at, ttl_, stale_if_error_, now);
  }
  void make_room(SessionClock::time_point now);

  std::size_t capacity_;
  std::chrono::milliseconds ttl_;
  std::chrono::milliseconds stale_if_error_;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
};

}  // namespace cutover::identity
