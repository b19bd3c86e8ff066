#include "cutover/identity/token_cache.hpp"

#include <algorithm>
#include <utility>

namespace cutover::identity {

TokenCache::TokenCache(std::size_t capacity, std::int64_t max_age_seconds)
    : capacity_(capacity), max_age_seconds_(std::max<std::int64_t>(max_age_seconds, 0)) {
  entries_.reserve(capacity_);
}

const std::string* TokenCache::find(std::string_view token, std::int64_t now_unix_seconds) {
  const auto it = entries_.find(token);
  if (it == entries_.end()) return nullptr;
  if (now_unix_seconds >= it->second.valid_until) {
    entries_.erase(it);  // dead weight; dropping it now saves a sweep later
    return nullptr;
  }
  return &it->second.user;
}

void TokenCache::insert(std::string_view token, std::string user, std::int64_t expires_at,
                        std::int64_t now_unix_seconds) {
  // Saturating: a huge max_age must not wrap valid_until into the past.
  const std::int64_t by_age = max_age_seconds_ > INT64_MAX - now_unix_seconds
                                  ? INT64_MAX
                                  : now_unix_seconds + max_age_seconds_;
  const std::int64_t valid_until = expires_at != 0 ? std::min(expires_at, by_age) : by_age;
  if (capacity_ == 0 || valid_until <= now_unix_seconds) return;

  if (const auto it = entries_.find(token); it != entries_.end()) {
    it->second = Entry{std::move(user), valid_until};
    return;
  }
  if (entries_.size() >= capacity_) make_room(now_unix_seconds);
  entries_.emplace(std::string(token), Entry{std::move(user), valid_until});
}

void TokenCache::clear() { entries_.clear(); }

// Called when full. Expired entries go first. If that frees less than a quarter, arbitrary entries
// (bucket order, i.e. effectively random) go until half is free: unlike clear(), most active users
// keep their entry, so a full cache doesn't turn into a burst of signature checks; and because
// every sweep frees at least a quarter, the O(n) sweep costs O(1) per insert amortised.
void TokenCache::make_room(std::int64_t now_unix_seconds) {
  std::erase_if(entries_, [&](const auto& item) { return now_unix_seconds >= item.second.valid_until; });
  const std::size_t room = std::max<std::size_t>(capacity_ / 4, 1);
  if (entries_.size() + room <= capacity_) return;
  const std::size_t keep = capacity_ / 2;
  for (auto it = entries_.begin(); it != entries_.end() && entries_.size() > keep;) {
    it = entries_.erase(it);
  }
}

}  // namespace cutover::identity
