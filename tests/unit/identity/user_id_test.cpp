// User ids on their way into the identity header (identity/user_id.hpp).
#include "cutover/identity/user_id.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cutover::identity {
namespace {

TEST(UserId, PrintableAsciiPasses) {
  for (std::string_view id : {"alice", "user-42", "a b", "x@example.com", "!~"}) {
    EXPECT_EQ(user_id_problem(id, false), "") << id;
  }
  EXPECT_EQ(user_id_problem(std::string(256, 'a'), false), "");
}

TEST(UserId, WhatABackendCouldMisreadIsRefused) {
  EXPECT_NE(user_id_problem("", false), "");
  EXPECT_NE(user_id_problem(std::string(257, 'a'), false), "");
  for (std::string_view id : {" admin", "admin ", "\tadmin", "ad\r\nmin", "ad\x01min", "ad\x7Fmin", "admin\n",
                              "bob,admin", "bob, admin"}) {
    EXPECT_NE(user_id_problem(id, false), "") << id;
    EXPECT_NE(user_id_problem(id, true), "") << "allow_utf8 lets no control byte or padding through: " << id;
  }
}

TEST(UserId, BeyondAsciiOnlyWithAllowUtf8AndOnlyValidUtf8) {
  const std::string_view jose = "jos\xC3\xA9";
  EXPECT_NE(user_id_problem(jose, false), "");
  EXPECT_EQ(user_id_problem(jose, true), "");
  EXPECT_EQ(user_id_problem("\xF0\x9F\x98\x80", true), "");  // U+1F600, four bytes
  for (std::string_view id : {"\xC3", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF", "a\x80"}) {
    EXPECT_NE(user_id_problem(id, true), "") << "overlong, surrogate, out of range or cut short";
  }
}

TEST(UserId, Utf8IdsArePercentEncodedAndSoIsThePercentSign) {
  EXPECT_EQ(percent_encode_user_id("jos\xC3\xA9"), "jos%C3%A9");
  EXPECT_EQ(percent_encode_user_id("100%"), "100%25");
  EXPECT_EQ(percent_encode_user_id("plain"), "plain");
}

}  // namespace
}  // namespace cutover::identity
