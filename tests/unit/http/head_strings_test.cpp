// Head strings lent per request: the memory a request gives back is what the next one gets, on
// any connection, and a connection between requests holds none.
#include "cutover/http/head_strings.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cutover::http {
namespace {

TEST(HeadStrings, ALentStringHasRoomForAHead) {
  HeadStrings strings;
  std::string head;
  strings.lend(head);
  EXPECT_GE(head.capacity(), HeadStrings::kCapacity);
  EXPECT_TRUE(head.empty());
}

TEST(HeadStrings, WhatOneRequestGivesBackTheNextOneGets) {
  HeadStrings strings;
  std::string first;
  strings.lend(first);
  first = "GET / HTTP/1.1\r\n";
  const char* memory = first.data();
  strings.take_back(first);
  EXPECT_TRUE(first.empty());
  EXPECT_LE(first.capacity(), std::string().capacity()) << "an idle connection holds nothing";
  EXPECT_EQ(strings.idle(), 1u);

  std::string second;  // another connection's
  strings.lend(second);
  EXPECT_EQ(second.data(), memory);
  EXPECT_TRUE(second.empty()) << "lent clean";
  EXPECT_EQ(strings.idle(), 0u);
}

TEST(HeadStrings, AStringWithRoomAlreadyKeepsItsOwn) {
  HeadStrings strings;
  std::string spare;
  strings.lend(spare);
  strings.take_back(spare);
  std::string head;
  head.reserve(2 * HeadStrings::kCapacity);
  const char* memory = head.data();
  strings.lend(head);
  EXPECT_EQ(head.data(), memory);
  EXPECT_EQ(strings.idle(), 1u);
}

TEST(HeadStrings, AHugeHeadAndAFullPoolGoBackToMalloc) {
  HeadStrings strings;
  std::string huge(64 * 1024, 'x');
  strings.take_back(huge);
  EXPECT_EQ(strings.idle(), 0u);
  EXPECT_EQ(huge.capacity(), std::string().capacity());

  for (int i = 0; i < 1000; ++i) {
    std::string head;
    head.reserve(HeadStrings::kCapacity);
    strings.take_back(head);
  }
  EXPECT_EQ(strings.idle(), 256u);
}

TEST(HeadStrings, AStringWithNoMemoryOfItsOwnIsOnlyEmptied) {
  HeadStrings strings;
  std::string small = "short";
  strings.take_back(small);
  EXPECT_TRUE(small.empty());
  EXPECT_EQ(strings.idle(), 0u);
}

}  // namespace
}  // namespace cutover::http
