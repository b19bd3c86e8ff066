// SessionLookup on a real io_context: coalescing, TTL, stale answers on failure, capacity.
#include "cutover/identity/session_lookup.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace cutover::identity {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = SessionLookup::Clock;
using Kind = SessionAnswer::Kind;

const Clock::time_point kT0{std::chrono::hours(1)};

// A stand-in for the auth subrequest: answers after 10ms, so concurrent lookups overlap it.
struct FakeAuth {
  Kind kind = Kind::user;
  bool throws = false;
  std::map<std::string, int> calls;

  int total_calls() const {
    int total = 0;
    for (const auto& [session, count] : calls) total += count;
    return total;
  }

  SessionLookup::Fetch fetch() {
    return [this](std::string session) -> asio::awaitable<SessionAnswer> {
      ++calls[session];
      asio::steady_timer delay(co_await asio::this_coro::executor, 10ms);
      co_await delay.async_wait(asio::use_awaitable);
      if (throws) throw std::runtime_error("auth backend exploded");
      co_return SessionAnswer{kind, kind == Kind::user ? "user-of-" + session : ""};
    };
  }
};

// Starts one coroutine per entry of `sessions`, all at once, and runs them to completion.
std::vector<SessionAnswer> lookup_concurrently(SessionLookup& lookup, const std::vector<std::string>& sessions,
                                               Clock::time_point now, const SessionLookup::Fetch& fetch) {
  asio::io_context io;
  std::vector<SessionAnswer> answers(sessions.size());
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> { answers[i] = co_await lookup.lookup(sessions[i], now, fetch); },
        [](std::exception_ptr error) {
          if (error) std::rethrow_exception(error);
        });
  }
  io.run();
  return answers;
}

// Built by appending: GCC 12 -O3 mis-warns (-Wrestrict) on "literal" + std::string temporaries.
std::string session_id(int n) {
  std::string id = "s";
  return id.append(std::to_string(n));
}

std::vector<std::string> repeated(const std::string& session, std::size_t times) {
  return std::vector<std::string>(times, session);
}

TEST(SessionLookup, ConcurrentLookupsShareOneFetch) {
  SessionLookup lookup(64, 30s);
  FakeAuth auth;
  const auto fetch = auth.fetch();
  const auto answers = lookup_concurrently(lookup, repeated("s1", 100), kT0, fetch);
  EXPECT_EQ(lookup.fetches(), 1U);
  EXPECT_EQ(auth.total_calls(), 1);
  ASSERT_EQ(answers.size(), 100U);
  for (const auto& answer : answers) {
    EXPECT_EQ(answer.kind, Kind::user);
    EXPECT_EQ(answer.user, "user-of-s1");
  }
}

TEST(SessionLookup, AnswerIsCachedForTtl) {
  SessionLookup lookup(64, 30s);
  FakeAuth auth;
  const auto fetch = auth.fetch();
  lookup_concurrently(lookup, repeated("s1", 100), kT0, fetch);
  const auto again = lookup_concurrently(lookup, repeated("s1", 100), kT0 + 29s, fetch);
  EXPECT_EQ(lookup.fetches(), 1U);
  EXPECT_EQ(lookup.size(), 1U);
  EXPECT_EQ(again.front().user, "user-of-s1");
  EXPECT_EQ(again.back().user, "user-of-s1");
}

TEST(SessionLookup, RefetchesAfterTtl) {
  SessionLookup lookup(64, 30s);
  FakeAuth auth;
  const auto fetch = auth.fetch();
  lookup_concurrently(lookup, repeated("s1", 100), kT0, fetch);
  const auto later = lookup_concurrently(lookup, repeated("s1", 100), kT0 + 30s, fetch);
  EXPECT_EQ(lookup.fetches(), 2U);
  EXPECT_EQ(auth.calls["s1"], 2);
  EXPECT_EQ(later.back().user, "user-of-s1");
}

TEST(SessionLookup, FailuresAreSharedButNotCached) {
  SessionLookup lookup(64, 30s);
  FakeAuth auth;
  auth.kind = Kind::failed;
  const auto fetch = auth.fetch();
  const auto answers = lookup_concurrently(lookup, repeated("s1", 100), kT0, fetch);
  EXPECT_EQ(lookup.fetches(), 1U);
  for (const auto& answer : answers) EXPECT_EQ(answer.kind, Kind::failed);
  EXPECT_EQ(lookup.size(), 0U);

  auth.kind = Kind::user;  // the backend recovers: the very next request sees it
  const auto retry = lookup_concurrently(lookup, repeated("s1", 1), kT0 + 1s, fetch);
  EXPECT_EQ(lookup.fetches(), 2U);
  EXPECT_EQ(retry.front().kind, Kind::user);
}

TEST(SessionLookup, AnonymousIsCached) {
  SessionLookup lookup(64, 30s);
  FakeAuth auth;
  auth.kind = Kind::anonymous;
  const auto fetch = auth.fetch();
  lookup_concurrently(lookup, repeated("s1", 10), kT0, fetch);
  const auto again = lookup_concurrently(lookup, repeated("s1", 10), kT0 + 1s, fetch);
  EXPECT_EQ(lookup.fetches(), 1U);
  EXPECT_EQ(again.front().kind, Kind::anonymous);
  EXPECT_TRUE(again.front().user.empty());
}

TEST(SessionLookup, DifferentSessionsFetchSeparately) {
  SessionLookup lookup(64, 30s);
  FakeAuth auth;
  const auto fetch = auth.fetch();
  std::vector<std::string> sessions;
  for (int round = 0; round < 10; ++round) {
    for (int s = 0; s < 5; ++s) sessions.push_back(session_id(s));
  }
  const auto answers = lookup_concurrently(lookup, sessions, kT0, fetch);
  EXPECT_EQ(lookup.fetches(), 5U);
  for (int s = 0; s < 5; ++s) EXPECT_EQ(auth.calls[session_id(s)], 1);
  for (std::size_t i = 0; i < sessions.size(); ++i) EXPECT_EQ(answers[i].user, "user-of-" + sessions[i]);
}

TEST(SessionLookup, ThrowingFetchStillWakesWaiters) {
  SessionLookup lookup(64, 30s);
  FakeAuth auth;
  auth.throws = true;
  const auto fetch = auth.fetch();
  const auto answers = lookup_concurrently(lookup, repeated("s1", 20), kT0, fetch);
  EXPECT_EQ(lookup.fetches(), 1U);
  for (const auto& answer : answers) EXPECT_EQ(answer.kind, Kind::failed);

  auth.throws = false;  // no pending marker was left behind
  EXPECT_EQ(lookup_concurrently(lookup, repeated("s1", 1), kT0, fetch).front().kind, Kind::user);
  EXPECT_EQ(lookup.fetches(), 2U);
}

TEST(SessionLookup, CapacityIsBounded) {
  SessionLookup lookup(4, 30s);
  FakeAuth auth;
  const auto fetch = auth.fetch();
  for (int s = 0; s < 20; ++s) {
    lookup_concurrently(lookup, {session_id(s)}, kT0, fetch);
    ASSERT_LE(lookup.size(), 4U);
  }
  // The latest answer survived the eviction that made room for it.
  lookup_concurrently(lookup, {"s19"}, kT0 + 1s, fetch);
  EXPECT_EQ(auth.calls["s19"], 1);
}

TEST(SessionLookup, ExpiredEntriesMakeRoomFirst) {
  SessionLookup lookup(2, 30s);
  FakeAuth auth;
  const auto fetch = auth.fetch();
  lookup_concurrently(lookup, {"old"}, kT0, fetch);
  lookup_concurrently(lookup, {"live"}, kT0 + 20s, fetch);
  lookup_concurrently(lookup, {"new"}, kT0 + 40s, fetch);  // full; "old" has expired
  EXPECT_EQ(lookup.size(), 2U);
  lookup_concurrently(lookup, {"live", "new"}, kT0 + 41s, fetch);
  EXPECT_EQ(auth.calls["live"], 1);
  EXPECT_EQ(auth.calls["new"], 1);
}

TEST(SessionLookup, AFailedRefreshGivesTheStaleAnswer) {
  SessionLookup lookup(64, 30s, 5min);
  FakeAuth auth;
  const auto fetch = auth.fetch();
  lookup_concurrently(lookup, {"s1"}, kT0, fetch);
  auth.kind = Kind::failed;  // the backend dies
  // Past cache_ttl it is asked again (once for all the concurrent lookups); its failure gives
  // every one of them the stale answer.
  const auto answers = lookup_concurrently(lookup, repeated("s1", 10), kT0 + 31s, fetch);
  EXPECT_EQ(lookup.fetches(), 2U);
  for (const auto& answer : answers) {
    EXPECT_EQ(answer.kind, Kind::user);
    EXPECT_EQ(answer.user, "user-of-s1");
    EXPECT_TRUE(answer.stale);
  }
  // Still within stale_if_error: asked each time, stale each time.
  EXPECT_TRUE(lookup_concurrently(lookup, {"s1"}, kT0 + 5min + 29s, fetch).front().stale);
  EXPECT_EQ(lookup.fetches(), 3U);
  // Past cache_ttl + stale_if_error since the lookup began: a failure.
  EXPECT_EQ(lookup_concurrently(lookup, {"s1"}, kT0 + 5min + 30s, fetch).front().kind, Kind::failed);
  // A session never answered has nothing to fall back on.
  EXPECT_EQ(lookup_concurrently(lookup, {"s2"}, kT0 + 31s, fetch).front().kind, Kind::failed);
}

TEST(SessionLookup, ARefreshThatSucceedsReplacesTheStaleAnswer) {
  SessionLookup lookup(64, 30s, 5min);
  FakeAuth auth;
  const auto fetch = auth.fetch();
  lookup_concurrently(lookup, {"s1"}, kT0, fetch);
  auth.kind = Kind::anonymous;  // signed out meanwhile
  const auto answer = lookup_concurrently(lookup, {"s1"}, kT0 + 31s, fetch).front();
  EXPECT_EQ(answer.kind, Kind::anonymous);
  EXPECT_FALSE(answer.stale);
  auth.kind = Kind::failed;  // and the backend dies: the newer answer is the one kept
  const auto later = lookup_concurrently(lookup, {"s1"}, kT0 + 62s, fetch).front();
  EXPECT_EQ(later.kind, Kind::anonymous);
  EXPECT_TRUE(later.stale);
}

TEST(SessionLookup, AFreshAnswerIsNotAskedAgainEvenWithStaleIfError) {
  SessionLookup lookup(64, 30s, 5min);
  FakeAuth auth;
  const auto fetch = auth.fetch();
  lookup_concurrently(lookup, {"s1"}, kT0, fetch);
  const auto answer = lookup_concurrently(lookup, {"s1"}, kT0 + 29s, fetch).front();
  EXPECT_EQ(lookup.fetches(), 1U);
  EXPECT_FALSE(answer.stale);
}

TEST(SessionLookup, ZeroTtlCachesNothingButStillCoalesces) {
  SessionLookup lookup(64, 0ms);
  FakeAuth auth;
  const auto fetch = auth.fetch();
  lookup_concurrently(lookup, repeated("s1", 10), kT0, fetch);
  EXPECT_EQ(lookup.fetches(), 1U);
  EXPECT_EQ(lookup.size(), 0U);
}

}  // namespace
}  // namespace cutover::identity
