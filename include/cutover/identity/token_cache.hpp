#pragma once
// Per-worker cache of verified tokens, so a busy user doesn't pay for a signature check on every
// request. Keyed by the full token (never by a non-cryptographic hash of it: a collision would
// hand one user's identity to another). Bounded; entries expire at min(exp, inserted + max_age).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cutover::identity {

class TokenCache {
 public:
  explicit TokenCache(std::size_t capacity, std::int64_t max_age_seconds = 300);

  // The cached user for `token`, or nullptr when absent or expired at `now`.
  const std::string* find(std::string_view token, std::int64_t now_unix_seconds);
  // Only for tokens that passed verify_jwt: then only the issuer can mint keys, which is also why
  // the unseeded std::hash below can't be flooded with colliding keys.
  void insert(std::string_view token, std::string user, std::int64_t expires_at,
              std::int64_t now_unix_seconds);
  void clear();
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string user;
    std::int64_t valid_until = 0;
  };
  // Transparent, so find(string_view) doesn't build a std::string per request.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept {
      return std::hash<std::string_view>{}(key);
    }
  };
  void make_room(std::int64_t now_unix_seconds);

  std::size_t capacity_;
  std::int64_t max_age_seconds_;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
};

}  // namespace cutover::identity
