#include "routing/packed_trie.hpp"

#include <bit>
#include <cstring>
#include <functional>
#include <limits>
#include <stdexcept>

namespace cutover::routing::detail {

namespace {

std::size_t hash_of(std::string_view segment) noexcept {
  return std::hash<std::string_view>{}(segment);
}

std::uint32_t to_u32(std::size_t n) {
  if (n >= std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("route table too large to pack");
  }
  return static_cast<std::uint32_t>(n);
}

}  // namespace

PackedTrie::PackedTrie(const RouteTrie& trie) { emit(trie.root()); }

// Writes `node`'s record at the end of cells_, then its children's (depth first), and returns
// the record's first cell. Children are written after the parent's slots are reserved, so a
// path's records follow each other.
std::uint32_t PackedTrie::emit(const TrieNode& node) {
  const std::uint32_t at = to_u32(cells_.size());
  const std::size_t entries = node.exact.size() + node.wildcard.size();
  const std::size_t children = node.literals.size();
  const std::size_t slots = children > kLinearLimit ? std::bit_ceil(2 * children) : children;
  Header head{kNone, to_u32(slots), to_u32(node.exact.size()), to_u32(node.wildcard.size())};
  const std::uint32_t first_slot = at + 1 + to_u32((entries + 1) / 2);
  cells_.resize(first_slot + slots);

  unsigned char* entry_bytes = reinterpret_cast<unsigned char*>(cells_.data()) + (at + 1) * sizeof(Cell);
  std::size_t k = 0;
  for (const auto* list : {&node.exact, &node.wildcard}) {
    for (const TrieEntry& e : *list) {
      Entry entry{e.route, kNone};
      if (!e.host.empty() || !e.methods.empty()) {
        entry.condition = to_u32(conditions_.size());
        conditions_.push_back(e);
      }
      std::memcpy(entry_bytes + k++ * sizeof(Entry), &entry, sizeof entry);
    }
  }
  const Slot free_slot{kNone, 0, {}};
  for (std::size_t i = 0; i < slots; ++i) std::memcpy(&cells_[first_slot + i], &free_slot, sizeof(Slot));

  // cells_ grows while children are written: only indexes are held across emit().
  std::size_t next_linear = 0;
  for (const auto& [text, child] : node.literals) {
    const Slot slot = make_slot(text, emit(*child));
    std::size_t i = next_linear++;
    if (slots > kLinearLimit) {
      const std::size_t mask = slots - 1;
      i = hash_of(text) & mask;
      while (slot_at(first_slot + i).child != kNone) i = (i + 1) & mask;
    }
    std::memcpy(&cells_[first_slot + i], &slot, sizeof slot);
  }
  if (node.param) {
    head.param = emit(*node.param);
  }
  std::memcpy(&cells_[at], &head, sizeof head);
  return at;
}

PackedTrie::Slot PackedTrie::make_slot(std::string_view segment, std::uint32_t child) {
  Slot slot{child, 0, {}};
  if (segment.size() <= kInlineText) {
    slot.size = static_cast<std::uint8_t>(segment.size());
    std::memcpy(slot.text, segment.data(), segment.size());
  } else {
    const LongText text{to_u32(long_text_.size()), to_u32(segment.size())};
    long_text_.append(segment);
    slot.size = kLongText;
    std::memcpy(slot.text, &text, sizeof text);
  }
  return slot;
}

PackedTrie::Slot PackedTrie::slot_at(std::uint32_t cell) const noexcept {
  Slot slot;
  std::memcpy(&slot, &cells_[cell], sizeof slot);
  return slot;
}

PackedTrie::Header PackedTrie::header(std::uint32_t node) const noexcept {
  Header head;
  std::memcpy(&head, &cells_[node], sizeof head);
  return head;
}

// The first of `count` entries from entry `from` of `node` whose conditions the request meets.
std::uint32_t PackedTrie::first_fit(std::uint32_t node, std::uint32_t from, std::uint32_t count,
                                    const Request& request) const noexcept {
  // Entries run over whole cells: addressed as the array's bytes, not one cell's.
  const unsigned char* entry_bytes =
      reinterpret_cast<const unsigned char*>(cells_.data()) + (std::size_t{node} + 1) * sizeof(Cell);
  for (std::uint32_t k = from; k < from + count; ++k) {
    Entry entry;
    std::memcpy(&entry, entry_bytes + k * sizeof(Entry), sizeof entry);
    if (entry.condition == kNone || fits(conditions_[entry.condition], request.method, request.host)) {
      return entry.route;
    }
  }
  return kNoRoute;
}

bool PackedTrie::slot_holds(const Slot& slot, std::string_view segment) const noexcept {
  if (slot.size != kLongText) {
    return slot.size == segment.size() && std::memcmp(slot.text, segment.data(), segment.size()) == 0;
  }
  LongText text;
  std::memcpy(&text, slot.text, sizeof text);
  return text.size == segment.size() &&
         std::memcmp(long_text_.data() + text.offset, segment.data(), segment.size()) == 0;
}

std::uint32_t PackedTrie::find_literal(std::uint32_t node, const Header& head,
                                       std::string_view segment) const noexcept {
  const std::uint32_t first_slot = node + 1 + (head.exact + head.wildcard + 1) / 2;
  if (head.slots <= kLinearLimit) {
    for (std::uint32_t i = 0; i < head.slots; ++i) {
      const Slot slot = slot_at(first_slot + i);
      if (slot_holds(slot, segment)) return slot.child;
    }
    return kNone;
  }
  const std::size_t mask = head.slots - 1;
  for (std::size_t i = hash_of(segment) & mask;; i = (i + 1) & mask) {
    const Slot slot = slot_at(first_slot + static_cast<std::uint32_t>(i));
    if (slot.child == kNone) return kNone;  // at most half full: a free slot ends every probe
    if (slot_holds(slot, segment)) return slot.child;
  }
}

// As RouteTrie was walked before packing: depth first in specificity order. `rest` holds the
// remaining segments joined by '/' unless `done` (then there are none; an empty `rest` with
// !done is one empty segment: the trailing slash). Recursion depth is bounded by the trie's
// depth, since it only descends into existing children.
std::uint32_t PackedTrie::walk(std::uint32_t node, std::string_view rest, bool done,
                               const Request& request) const noexcept {
  const Header head = header(node);
  if (done) {
    const auto route = first_fit(node, 0, head.exact, request);
    if (route != kNoRoute) return route;
    return first_fit(node, head.exact, head.wildcard, request);
  }
  const auto slash = rest.find('/');
  const bool last = slash == std::string_view::npos;
  const auto segment = rest.substr(0, slash);
  const auto next = last ? std::string_view{} : rest.substr(slash + 1);
  if (head.slots != 0) {
    if (const auto child = find_literal(node, head, segment); child != kNone) {
      const auto route = walk(child, next, last, request);
      if (route != kNoRoute) return route;
    }
  }
  // A parameter stands for a whole segment; the trailing slash's empty segment is not one.
  if (head.param != kNone && !segment.empty()) {
    const auto route = walk(head.param, next, last, request);
    if (route != kNoRoute) return route;
  }
  return first_fit(node, head.exact, head.wildcard, request);
}

std::uint32_t PackedTrie::match(std::string_view method, std::string_view host,
                                std::string_view path) const noexcept {
  if (cells_.empty() || path.empty() || path.front() != '/') return kNoRoute;
  return walk(0, path.substr(1), false, Request{method, host});
}

}  // namespace cutover::routing::detail
