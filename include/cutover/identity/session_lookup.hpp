#pragma once
// Per-worker cache for auth-subrequest answers ("which user owns this session cookie?").
// Answers are cached per session for a TTL; concurrent lookups of one session are coalesced into
// a single fetch: the first caller fetches, the others wait for its answer. Failures are not
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

namespace cutover::identity {

struct SessionAnswer {
  enum class Kind { user, anonymous, failed };
  Kind kind = Kind::failed;
  std::string user;  // when kind == user
};

class SessionLookup {
 public:
  using Clock = std::chrono::steady_clock;
  // Performs the real subrequest for `session`. Must not throw.
  using Fetch = std::function<boost::asio::awaitable<SessionAnswer>(std::string session)>;

  SessionLookup(std::size_t capacity, std::chrono::milliseconds ttl);
  ~SessionLookup();

  // The answer for `session`, from the cache, from a fetch already under way, or from a new one.
  // `session` and `fetch` must stay alive until the returned awaitable completes (co_await it at
  // once), and this object must outlive every lookup in flight.
  boost::asio::awaitable<SessionAnswer> lookup(std::string_view session, Clock::time_point now,
                                               const Fetch& fetch);

  std::uint64_t fetches() const { return fetches_; }  // how many real subrequests were made
  std::size_t size() const { return entries_.size(); }

 private:
  struct Pending;
  struct Entry {
    SessionAnswer answer;
    Clock::time_point valid_until;
  };
  // Transparent, so a cache hit doesn't build a std::string.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept {
      return std::hash<std::string_view>{}(key);
    }
  };
  template <typename Value>
  using Map = std::unordered_map<std::string, Value, Hash, std::equal_to<>>;

  void store(std::string key, SessionAnswer answer, Clock::time_point now);

  std::size_t capacity_;
  std::chrono::milliseconds ttl_;
  Map<Entry> entries_;
  Map<std::shared_ptr<Pending>> pending_;
  std::uint64_t fetches_ = 0;
};

}  // namespace cutover::identity
