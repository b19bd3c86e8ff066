#include "cutover/identity/token_cache.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <string>

// Counts heap allocations on this thread while armed, to prove find() never builds a key string.
namespace {
thread_local bool g_counting = false;
thread_local int g_allocations = 0;
}  // namespace

// GCC pairs the inlined malloc/free below with new/delete and warns; they are a matched pair here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  if (g_counting) ++g_allocations;
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }
#pragma GCC diagnostic pop

namespace cutover::identity {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;

// Tokens long enough that a std::string copy can't hide in the small-string buffer.
std::string token(int n) {
  std::string token = "eyJhbGciOiJIUzI1NiJ9.payload-";
  return token.append(std::to_string(n)).append(64, 'x');
}

TEST(TokenCache, MissThenHit) {
  TokenCache cache(8);
  EXPECT_EQ(cache.find(token(1), kNow), nullptr);
  cache.insert(token(1), "alice", kNow + 600, kNow);
  const std::string* user = cache.find(token(1), kNow);
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(*user, "alice");
  EXPECT_EQ(cache.find(token(2), kNow), nullptr);
}

TEST(TokenCache, KeyIsTheWholeToken) {
  TokenCache cache(8);
  cache.insert(token(1), "alice", 0, kNow);
  const std::string prefix = token(1).substr(0, token(1).size() - 1);
  EXPECT_EQ(cache.find(prefix, kNow), nullptr);
  EXPECT_EQ(cache.find(token(1) + "x", kNow), nullptr);
}

TEST(TokenCache, ExpiresAtExp) {
  TokenCache cache(8, 300);
  cache.insert(token(1), "alice", kNow + 60, kNow);
  EXPECT_NE(cache.find(token(1), kNow + 59), nullptr);
  EXPECT_EQ(cache.find(token(1), kNow + 60), nullptr);
  EXPECT_EQ(cache.size(), 0U);  // an expired hit is dropped on the spot
}

TEST(TokenCache, ExpiresAtMaxAgeWhenSooner) {
  TokenCache cache(8, 300);
  cache.insert(token(1), "alice", kNow + 3600, kNow);
  EXPECT_NE(cache.find(token(1), kNow + 299), nullptr);
  EXPECT_EQ(cache.find(token(1), kNow + 300), nullptr);
}

TEST(TokenCache, NoExpUsesMaxAge) {
  TokenCache cache(8, 100);
  cache.insert(token(1), "alice", 0, kNow);
  EXPECT_NE(cache.find(token(1), kNow + 99), nullptr);
  EXPECT_EQ(cache.find(token(1), kNow + 100), nullptr);
}

TEST(TokenCache, AlreadyExpiredIsNotStored) {
  TokenCache cache(8);
  cache.insert(token(1), "alice", kNow, kNow);
  cache.insert(token(2), "bob", kNow - 10, kNow);
  EXPECT_EQ(cache.size(), 0U);
}

TEST(TokenCache, HugeMaxAgeDoesNotWrap) {
  TokenCache cache(8, INT64_MAX);
  cache.insert(token(1), "alice", 0, kNow);
  EXPECT_NE(cache.find(token(1), kNow + 1'000'000'000), nullptr);
}

TEST(TokenCache, ReinsertReplaces) {
  TokenCache cache(8);
  cache.insert(token(1), "alice", kNow + 10, kNow);
  cache.insert(token(1), "alice2", kNow + 600, kNow);
  EXPECT_EQ(cache.size(), 1U);
  ASSERT_NE(cache.find(token(1), kNow + 100), nullptr);
  EXPECT_EQ(*cache.find(token(1), kNow + 100), "alice2");
}

TEST(TokenCache, NeverExceedsCapacity) {
  TokenCache cache(16);
  for (int i = 0; i < 1000; ++i) {
    cache.insert(token(i), std::to_string(i), 0, kNow);
    ASSERT_LE(cache.size(), 16U);
  }
  // The newest entry always survives the eviction that made room for it.
  EXPECT_NE(cache.find(token(999), kNow), nullptr);
}

TEST(TokenCache, ExpiredEntriesAreEvictedFirst) {
  TokenCache cache(4, 1000);
  cache.insert(token(1), "short", kNow + 10, kNow);
  cache.insert(token(2), "short", kNow + 10, kNow);
  cache.insert(token(3), "long", 0, kNow);
  cache.insert(token(4), "long", 0, kNow);
  cache.insert(token(5), "new", 0, kNow + 20);  // full: the two expired ones make room
  EXPECT_EQ(cache.size(), 3U);
  EXPECT_NE(cache.find(token(3), kNow + 20), nullptr);
  EXPECT_NE(cache.find(token(4), kNow + 20), nullptr);
  EXPECT_NE(cache.find(token(5), kNow + 20), nullptr);
}

TEST(TokenCache, FullOfLiveEntriesEvictsHalf) {
  TokenCache cache(8);
  for (int i = 0; i < 8; ++i) cache.insert(token(i), "u", 0, kNow);
  cache.insert(token(100), "new", 0, kNow);
  EXPECT_EQ(cache.size(), 5U);  // 4 kept + the new one
  EXPECT_NE(cache.find(token(100), kNow), nullptr);
}

TEST(TokenCache, ZeroCapacityStoresNothing) {
  TokenCache cache(0);
  cache.insert(token(1), "alice", 0, kNow);
  EXPECT_EQ(cache.size(), 0U);
  EXPECT_EQ(cache.find(token(1), kNow), nullptr);
}

TEST(TokenCache, Clear) {
  TokenCache cache(8);
  cache.insert(token(1), "alice", 0, kNow);
  cache.clear();
  EXPECT_EQ(cache.size(), 0U);
  EXPECT_EQ(cache.find(token(1), kNow), nullptr);
}

TEST(TokenCache, FindDoesNotAllocate) {
  TokenCache cache(8);
  const std::string present = token(1);
  const std::string absent = token(2);
  cache.insert(present, "alice", 0, kNow);
  g_counting = true;
  g_allocations = 0;
  const std::string* hit = cache.find(present, kNow);
  const std::string* miss = cache.find(absent, kNow);
  g_counting = false;
  EXPECT_NE(hit, nullptr);
  EXPECT_EQ(miss, nullptr);
  EXPECT_EQ(g_allocations, 0);
}

}  // namespace
}  // namespace cutover::identity
