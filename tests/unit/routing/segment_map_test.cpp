// The literal children of a route-trie node: found by their exact text whether there are a few
// (scanned in turn) or thousands (hashed), and never moved once made.
#include "routing/segment_map.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "routing/route_trie.hpp"

namespace cutover::routing::detail {
namespace {

TEST(SegmentMap, AnEmptyMapFindsNothing) {
  SegmentMap map;
  EXPECT_EQ(map.find("a"), nullptr);
  EXPECT_EQ(map.find(""), nullptr);
  EXPECT_EQ(map.size(), 0u);
}

TEST(SegmentMap, AChildIsMadeOnceAndFoundByItsExactText) {
  SegmentMap map;
  TrieNode& api = map.child("api");
  EXPECT_EQ(&map.child("api"), &api);
  EXPECT_EQ(map.find("api"), &api);
  EXPECT_EQ(map.find("API"), nullptr) << "segments are compared as sent";
  EXPECT_EQ(map.find("ap"), nullptr);
  EXPECT_EQ(map.find("apis"), nullptr);
  EXPECT_EQ(map.size(), 1u);
}

TEST(SegmentMap, TheEmptySegmentIsASegmentLikeAnyOther) {
  SegmentMap map;
  TrieNode& empty = map.child("");
  EXPECT_EQ(map.find(""), &empty);
  for (int i = 0; i < 100; ++i) map.child("s" + std::to_string(i));
  EXPECT_EQ(map.find(""), &empty);
}

// Few children and many, across the switch from scanning to hashing: every child is found where
// it was made, long segments (not stored inline) included, and absent ones are not found.
TEST(SegmentMap, ThousandsOfChildrenAreAllFoundAndNeverMove) {
  for (int count : {1, 7, 8, 9, 17, 1000, 10000}) {
    SCOPED_TRACE(count);
    SegmentMap map;
    std::vector<const TrieNode*> made;
    auto text = [](int i) { return i % 5 == 0 ? "a-rather-long-segment-" + std::to_string(i) : "r" + std::to_string(i); };
    for (int i = 0; i < count; ++i) made.push_back(&map.child(text(i)));
    ASSERT_EQ(map.size(), static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) ASSERT_EQ(map.find(text(i)), made[static_cast<std::size_t>(i)]) << text(i);
    for (int i = count; i < count + 50; ++i) ASSERT_EQ(map.find(text(i)), nullptr) << text(i);
    std::set<std::string> visited;
    map.for_each([&](std::string_view segment, TrieNode&) { visited.insert(std::string(segment)); });
    EXPECT_EQ(visited.size(), static_cast<std::size_t>(count));
  }
}

}  // namespace
}  // namespace cutover::routing::detail
