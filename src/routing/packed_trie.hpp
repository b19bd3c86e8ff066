#pragma once
// The route trie packed for matching. Internal to routing.
//
// RouteTrie is shaped for building and checking: its nodes, child tables and route lists are
// separate allocations. With thousands of routes and traffic spread over many of them, a lookup
// walked 6-7 cache lines that had rarely stayed in the L2 since that route's last request
// (docs/performance.md, target 8). Here the whole trie is one array of 16-byte cells written
// depth first, so the records a path visits below the root lie next to each other: a lookup
// touches one slot of the root's table and then one or two adjacent lines.
//
// A node's record is a header cell, its route entries (two per cell: the exact ones, then the
// wildcard ones, each list in precedence order), then one slot cell per literal child: scanned
// in turn when a node has up to kLinearLimit children, else an open-addressing table at most
// half full (linear probing). A slot holds a segment of up to kInlineText bytes itself; longer
// ones live in a side string. Host and method conditions, rare and read only when a path
// matches, live in a side list too.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "routing/route_trie.hpp"

namespace cutover::routing::detail {

class PackedTrie {
 public:
  PackedTrie() = default;
  // `trie` must be sorted (RouteTrie::sort_by_precedence()).
  explicit PackedTrie(const RouteTrie& trie);

  // Route index of the most specific fit, or kNoRoute. `host` must be bare (bare_host()).
  std::uint32_t match(std::string_view method, std::string_view host,
                      std::string_view path) const noexcept;

  static constexpr std::size_t kLinearLimit = 8;
  static constexpr std::size_t kInlineText = 11;

 private:
  struct alignas(16) Cell {
    unsigned char bytes[16];
  };
  struct Header {
    std::uint32_t param;          // cell of the parameter child, or kNone
    std::uint32_t slots;          // literal child slots; more than kLinearLimit: a hash table
    std::uint32_t exact;          // entries of routes ending here
    std::uint32_t wildcard;       // then entries of routes ending here with "any rest"
  };
  struct Entry {
    std::uint32_t route;
    std::uint32_t condition;      // index into conditions_, or kNone: any host, any method
  };
  struct Slot {
    std::uint32_t child;          // cell of the child's header, or kNone: a free slot
    std::uint8_t size;            // segment size, or kLongText
    char text[kInlineText];       // the segment, or (offset, size) into long_text_
  };
  struct LongText {
    std::uint32_t offset;
    std::uint32_t size;
  };
  struct Request {
    std::string_view method;
    std::string_view host;
  };
  static constexpr std::uint32_t kNone = UINT32_MAX;
  static constexpr std::uint8_t kLongText = UINT8_MAX;
  static_assert(sizeof(Header) <= sizeof(Cell) && sizeof(Slot) == sizeof(Cell) &&
                2 * sizeof(Entry) == sizeof(Cell));

  std::uint32_t emit(const TrieNode& node);
  Slot make_slot(std::string_view segment, std::uint32_t child);

  Header header(std::uint32_t node) const noexcept;
  Slot slot_at(std::uint32_t cell) const noexcept;
  std::uint32_t first_fit(std::uint32_t node, std::uint32_t from, std::uint32_t count,
                          const Request& request) const noexcept;
  std::uint32_t find_literal(std::uint32_t node, const Header& h,
                             std::string_view segment) const noexcept;
  bool slot_holds(const Slot& slot, std::string_view segment) const noexcept;
  std::uint32_t walk(std::uint32_t node, std::string_view rest, bool done,
                     const Request& request) const noexcept;

  std::vector<Cell> cells_;            // the root's header is cell 0
  std::vector<TrieEntry> conditions_;  // route left unused; host and methods as in TrieEntry
  std::string long_text_;
};

}  // namespace cutover::routing::detail
