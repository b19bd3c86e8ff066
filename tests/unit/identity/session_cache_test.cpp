// SessionCache: fresh for cache_ttl, stale for stale_if_error after that, then gone; bounded.
#include "cutover/identity/session_cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cutover::identity {
namespace {

using namespace std::chrono_literals;
using Kind = SessionAnswer::Kind;
const SessionClock::time_point kT0{std::chrono::hours(1)};

SessionAnswer user(std::string name) { return {Kind::user, std::move(name), false}; }

std::string key(int n) {
  std::string k = "k";
  return k.append(std::to_string(n));
}

TEST(SessionFreshness, FreshThenStaleThenExpired) {
  EXPECT_EQ(freshness(kT0, 30s, 5min, kT0), Freshness::fresh);
  EXPECT_EQ(freshness(kT0, 30s, 5min, kT0 + 29999ms), Freshness::fresh);
  EXPECT_EQ(freshness(kT0, 30s, 5min, kT0 + 30s), Freshness::stale);
  EXPECT_EQ(freshness(kT0, 30s, 5min, kT0 + 5min + 29999ms), Freshness::stale);
  EXPECT_EQ(freshness(kT0, 30s, 5min, kT0 + 5min + 30s), Freshness::expired);
}

TEST(SessionFreshness, NoStaleIfErrorMeansExpiredAtTheTtl) {
  EXPECT_EQ(freshness(kT0, 30s, 0s, kT0 + 29s), Freshness::fresh);
  EXPECT_EQ(freshness(kT0, 30s, 0s, kT0 + 30s), Freshness::expired);
  // cache_ttl 0: never fresh, but there for when asking fails.
  EXPECT_EQ(freshness(kT0, 0s, 10s, kT0), Freshness::stale);
}

TEST(SessionFreshness, AClockReadingBeforeTheLookupIsFresh) {
  EXPECT_EQ(freshness(kT0, 30s, 5min, kT0 - 1s), Freshness::fresh);
}

TEST(FetchedOrStale, AFailureGivesTheStaleAnswerMarkedStale) {
  const SessionAnswer stale = user("alice");
  const auto answer = fetched_or_stale(SessionAnswer{}, &stale);
  EXPECT_EQ(answer.kind, Kind::user);
  EXPECT_EQ(answer.user, "alice");
  EXPECT_TRUE(answer.stale);
}

TEST(FetchedOrStale, AnAnswerWinsOverTheStaleOne) {
  const SessionAnswer stale = user("alice");
  // The user signed out: the new verdict stands, even though it names nobody.
  const auto answer = fetched_or_stale(SessionAnswer{Kind::anonymous, "", false}, &stale);
  EXPECT_EQ(answer.kind, Kind::anonymous);
  EXPECT_FALSE(answer.stale);
  EXPECT_EQ(fetched_or_stale(user("bob"), &stale).user, "bob");
}

TEST(FetchedOrStale, AFailureWithoutAStaleAnswerIsAFailure) {
  EXPECT_EQ(fetched_or_stale(SessionAnswer{}, nullptr).kind, Kind::failed);
}

TEST(SessionCache, FindSaysHowFreshTheAnswerIs) {
  SessionCache cache(16, 30s, 5min);
  cache.store("s1", user("alice"), kT0);
  auto hit = cache.find("s1", kT0 + 1s);
  ASSERT_NE(hit.answer, nullptr);
  EXPECT_EQ(hit.answer->user, "alice");
  EXPECT_EQ(hit.freshness, Freshness::fresh);
  hit = cache.find("s1", kT0 + 31s);
  ASSERT_NE(hit.answer, nullptr);
  EXPECT_EQ(hit.freshness, Freshness::stale);
  hit = cache.find("s1", kT0 + 6min);
  EXPECT_EQ(hit.answer, nullptr);
  EXPECT_EQ(hit.freshness, Freshness::expired);
  EXPECT_EQ(cache.size(), 0u) << "an expired entry is dropped when found";
  EXPECT_EQ(cache.find("never", kT0).answer, nullptr);
}

TEST(SessionCache, FailuresAreNeverStored) {
  SessionCache cache(16, 30s, 5min);
  cache.store("s1", SessionAnswer{}, kT0);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(SessionCache, AStoreRestartsTheClock) {
  SessionCache cache(16, 30s, 5min);
  cache.store("s1", user("alice"), kT0);
  cache.store("s1", user("alice"), kT0 + 1min);
  EXPECT_EQ(cache.find("s1", kT0 + 80s).freshness, Freshness::fresh);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(SessionCache, NothingIsStoredWithoutTtlOrStaleIfErrorOrRoom) {
  SessionCache none(16, 0s, 0s);
  none.store("s1", user("alice"), kT0);
  EXPECT_EQ(none.size(), 0u);
  SessionCache empty(0, 30s, 5min);
  empty.store("s1", user("alice"), kT0);
  EXPECT_EQ(empty.size(), 0u);
  SessionCache stale_only(16, 0s, 5min);
  stale_only.store("s1", user("alice"), kT0);
  EXPECT_EQ(stale_only.find("s1", kT0).freshness, Freshness::stale);
}

TEST(SessionCache, StaleEntriesCountAgainstTheCapacity) {
  SessionCache cache(8, 1s, 1h);
  for (int i = 0; i < 1000; ++i) {
    cache.store(key(i), user("u"), kT0 + i * 2s);  // each one stale by the time the next comes
    ASSERT_LE(cache.size(), 8u) << i;
  }
  // The newest survived the sweep that made room for it.
  EXPECT_EQ(cache.find(key(999), kT0 + 999 * 2s).freshness, Freshness::fresh);
}

TEST(SessionCache, ExpiredEntriesMakeRoomFirst) {
  SessionCache cache(4, 10s, 20s);
  cache.store("expired", user("a"), kT0);
  cache.store("stale", user("b"), kT0 + 15s);
  cache.store("fresh1", user("c"), kT0 + 29s);
  cache.store("fresh2", user("d"), kT0 + 29s);
  cache.store("new", user("e"), kT0 + 30s);  // full: "expired" (30s old) is enough room
  EXPECT_EQ(cache.size(), 4u);
  EXPECT_EQ(cache.find("expired", kT0 + 30s).answer, nullptr);
  EXPECT_EQ(cache.find("stale", kT0 + 30s).freshness, Freshness::stale);
  EXPECT_EQ(cache.find("new", kT0 + 30s).freshness, Freshness::fresh);
}

TEST(SessionCache, StaleEntriesMakeRoomBeforeFreshOnes) {
  SessionCache cache(4, 10s, 20s);
  cache.store("stale1", user("a"), kT0);
  cache.store("stale2", user("b"), kT0 + 5s);
  cache.store("fresh1", user("c"), kT0 + 15s);
  cache.store("fresh2", user("d"), kT0 + 15s);
  cache.store("new", user("e"), kT0 + 20s);  // full, nothing expired: the stale ones go
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.find("stale1", kT0 + 20s).answer, nullptr);
  EXPECT_EQ(cache.find("fresh1", kT0 + 20s).freshness, Freshness::fresh);
  EXPECT_EQ(cache.find("fresh2", kT0 + 20s).freshness, Freshness::fresh);
  EXPECT_EQ(cache.find("new", kT0 + 20s).freshness, Freshness::fresh);
}

TEST(SessionCache, StaleEntriesStayWhileThereIsRoom) {
  SessionCache cache(4, 10s, 20s);
  cache.store("stale", user("b"), kT0);
  cache.store("fresh", user("c"), kT0 + 15s);
  EXPECT_EQ(cache.find("stale", kT0 + 15s).freshness, Freshness::stale);
  EXPECT_EQ(cache.size(), 2u);
}

}  // namespace
}  // namespace cutover::identity
