#include "cutover/http/field_arena.hpp"

#include <memory>

namespace cutover::http {

std::unique_ptr<std::byte[]> ArenaBlocks::take() {
  if (free_.empty()) return std::make_unique_for_overwrite<std::byte[]>(kBlockSize);
  auto block = std::move(free_.back());
  free_.pop_back();
  return block;
}

void ArenaBlocks::give_back(std::unique_ptr<std::byte[]> block) {
  if (free_.size() < kMaxIdle) free_.push_back(std::move(block));
}

// A first block, the next one, or a large field's own allocation.
void* FieldArena::allocate_elsewhere(std::size_t bytes, std::size_t align) {
  if (!block_) {
    block_ = blocks_->take();
    used_ = 0;
  }
  std::size_t start = (used_ + align - 1) / align * align;
  if (start + bytes > ArenaBlocks::kBlockSize && bytes <= ArenaBlocks::kBlockSize / 2) {
    // Many fields: carry on in another block.
    spent_.push_back(std::move(block_));
    block_ = blocks_->take();
    start = 0;
  }
  if (start + bytes <= ArenaBlocks::kBlockSize) {
    used_ = start + bytes;
    return block_.get() + start;
  }
  // One large field (a long cookie): its own allocation. new[] of std::byte is aligned for any
  // fundamental type, which is all the parsed fields need.
  large_.push_back(std::make_unique_for_overwrite<std::byte[]>(bytes));
  return large_.back().get();
}

void FieldArena::reset() {
  if (block_) blocks_->give_back(std::move(block_));
  for (auto& block : spent_) blocks_->give_back(std::move(block));
  spent_.clear();
  used_ = 0;
  large_.clear();
}

}  // namespace cutover::http
