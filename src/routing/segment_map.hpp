#pragma once
// The literal children of a route-trie node, by segment text. Internal to routing.
//
// With thousands of routes, a request's path walks cold memory, and every cache line it touches
// costs more than the instructions around it (docs/performance.md, target 8). std::unordered_map
// touches a bucket, the node before the match and the match, each a separate allocation. Here
// the children are one array: a node with a few children is a short linear scan of adjacent
// slots, a node with many an open-addressing table (linear probing, at most half full), and a
// segment of up to 15 bytes is stored inside its slot. A lookup touches one or two slots.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cutover::routing::detail {

struct TrieNode;

class SegmentMap {
 public:
  // The child for `segment`, or nullptr.
  const TrieNode* find(std::string_view segment) const noexcept;

  // The child for `segment`, added if there is none. Building only: it may move the slots
  // (the children themselves stay where they are).
  TrieNode& child(std::string_view segment);

  template <class Visit>
  void for_each(Visit visit) {
    for (auto& slot : slots_) {
      if (slot.child) visit(slot.text, *slot.child);
    }
  }

  std::size_t size() const { return used_; }

 private:
  struct Slot {
    std::string text;
    std::unique_ptr<TrieNode> child;  // empty: a free slot (only in a hashed table)
  };
  // Up to this many children: no hashing, slots in insertion order, scanned in turn.
  static constexpr std::size_t kLinearLimit = 8;

  bool hashed() const { return slots_.size() > kLinearLimit; }
  std::size_t home(std::string_view segment) const noexcept {
    return std::hash<std::string_view>{}(segment) & (slots_.size() - 1);
  }
  void grow();

  std::vector<Slot> slots_;
  std::size_t used_ = 0;
};

}  // namespace cutover::routing::detail
