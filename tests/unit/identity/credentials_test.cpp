#include "cutover/identity/credentials.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cutover::identity {
namespace {

TEST(BearerToken, PlainBearer) { EXPECT_EQ(bearer_token("Bearer abc.def.ghi"), "abc.def.ghi"); }

TEST(BearerToken, SchemeIsCaseInsensitive) {
  EXPECT_EQ(bearer_token("bearer abc"), "abc");
  EXPECT_EQ(bearer_token("BEARER abc"), "abc");
  EXPECT_EQ(bearer_token("bEaReR abc"), "abc");
}

TEST(BearerToken, TrimsSpacesAndTabs) {
  EXPECT_EQ(bearer_token("  Bearer   abc  "), "abc");
  EXPECT_EQ(bearer_token("\tBearer\tabc\t"), "abc");
}

TEST(BearerToken, OtherSchemesAndEmptyTokensGiveNothing) {
  EXPECT_EQ(bearer_token(""), "");
  EXPECT_EQ(bearer_token("Bearer"), "");
  EXPECT_EQ(bearer_token("Bearer "), "");
  EXPECT_EQ(bearer_token("Bearer \t "), "");
  EXPECT_EQ(bearer_token("Bearerabc"), "");
  EXPECT_EQ(bearer_token("Basic dXNlcjpwYXNz"), "");
  EXPECT_EQ(bearer_token("Bear abc"), "");
  EXPECT_EQ(bearer_token("abc"), "");
}

TEST(BearerToken, ResultPointsIntoTheInput) {
  const std::string header = "Bearer xyz";
  const auto token = bearer_token(header);
  EXPECT_EQ(token.data(), header.data() + 7);
}

TEST(FindCookie, FindsAmongSeveral) {
  EXPECT_EQ(find_cookie("a=1; session_jwt=tok; b=2", "session_jwt"), "tok");
  EXPECT_EQ(find_cookie("a=1; b=2", "a"), "1");
  EXPECT_EQ(find_cookie("a=1; b=2", "b"), "2");
}

TEST(FindCookie, ToleratesMissingAndExtraSpaces) {
  EXPECT_EQ(find_cookie("a=1;b=2", "b"), "2");
  EXPECT_EQ(find_cookie("  a = 1 ;\tb=2  ", "a"), "1");
  EXPECT_EQ(find_cookie("a=1;;  ; b=2;", "b"), "2");
}

TEST(FindCookie, AbsentGivesEmpty) {
  EXPECT_EQ(find_cookie("", "a"), "");
  EXPECT_EQ(find_cookie("a=1; b=2", "c"), "");
  EXPECT_EQ(find_cookie("a=1", ""), "");
  EXPECT_EQ(find_cookie("=1", ""), "");
  EXPECT_EQ(find_cookie("session", "session"), "");  // no '=': not a pair
}

TEST(FindCookie, NamesAreExactAndCaseSensitive) {
  EXPECT_EQ(find_cookie("Session=1", "session"), "");
  EXPECT_EQ(find_cookie("xsession=1; session=2", "session"), "2");
  EXPECT_EQ(find_cookie("session_old=1; session=2", "session"), "2");
}

TEST(FindCookie, FirstMatchWins) { EXPECT_EQ(find_cookie("a=first; a=second", "a"), "first"); }

TEST(FindCookie, QuotedValuesAreUnquoted) {
  EXPECT_EQ(find_cookie("a=\"x y\"; b=2", "a"), "x y");
  EXPECT_EQ(find_cookie("a=\"\"", "a"), "");
  EXPECT_EQ(find_cookie("a=\"", "a"), "\"");  // a lone quote is not a quoted value
}

TEST(FindCookie, ValueMayContainEquals) { EXPECT_EQ(find_cookie("t=abc==; u=1", "t"), "abc=="); }

TEST(ValidStickyId, ThirtyTwoLowerHex) {
  EXPECT_TRUE(valid_sticky_id("0123456789abcdef0123456789abcdef"));
  EXPECT_TRUE(valid_sticky_id(std::string(32, 'f')));
}

TEST(ValidStickyId, RejectsAnythingElse) {
  EXPECT_FALSE(valid_sticky_id(""));
  EXPECT_FALSE(valid_sticky_id(std::string(31, 'a')));
  EXPECT_FALSE(valid_sticky_id(std::string(33, 'a')));
  EXPECT_FALSE(valid_sticky_id("0123456789ABCDEF0123456789abcdef"));
  EXPECT_FALSE(valid_sticky_id("0123456789abcdeg0123456789abcdef"));
  EXPECT_FALSE(valid_sticky_id("0123456789abcdef0123456789abcde "));
  EXPECT_FALSE(valid_sticky_id(std::string("0123456789abcdef0123456789abcde\0", 32)));
}

}  // namespace
}  // namespace cutover::identity
