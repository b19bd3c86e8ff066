#include "routing/segment_map.hpp"

#include <algorithm>
#include <bit>
#include <utility>

#include "routing/route_trie.hpp"

namespace cutover::routing::detail {

const TrieNode* SegmentMap::find(std::string_view segment) const noexcept {
  if (!hashed()) {
    for (const auto& slot : slots_) {
      if (slot.text == segment) return slot.child.get();
    }
    return nullptr;
  }
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = home(segment);; i = (i + 1) & mask) {
    const auto& slot = slots_[i];
    if (!slot.child) return nullptr;  // never full: a free slot ends every probe
    if (slot.text == segment) return slot.child.get();
  }
}

TrieNode& SegmentMap::child(std::string_view segment) {
  if (const TrieNode* found = find(segment)) return const_cast<TrieNode&>(*found);
  if (!hashed() && used_ < kLinearLimit) {
    ++used_;
    return *slots_.emplace_back(Slot{std::string(segment), std::make_unique<TrieNode>()}).child;
  }
  if ((used_ + 1) * 2 > slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = home(segment);
  while (slots_[i].child) i = (i + 1) & mask;
  slots_[i] = Slot{std::string(segment), std::make_unique<TrieNode>()};
  ++used_;
  return *slots_[i].child;
}

// Rehashes into a table at least twice the children (and past the linear limit).
void SegmentMap::grow() {
  const std::size_t size = std::bit_ceil(std::max<std::size_t>(2 * kLinearLimit, 4 * (used_ + 1)));
  std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(size));
  const std::size_t mask = size - 1;
  for (auto& slot : old) {
    if (!slot.child) continue;
    std::size_t i = home(slot.text);
    while (slots_[i].child) i = (i + 1) & mask;
    slots_[i] = std::move(slot);
  }
}

}  // namespace cutover::routing::detail
