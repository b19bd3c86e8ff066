#pragma once
// Memory for parsed header fields (message_parser.hpp). With malloc, keeping them would cost an
// allocation and a free per header line of every request and response (a typical backend answer
// has eight). Here a connection's fields come from an arena: bumping a pointer in a 1 KiB block
// that the worker lends out and takes back when the connection's messages are done with
// (FieldArena::reset), so an idle connection holds no block at all. Single-threaded, like
// everything in a worker.
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace cutover::http {

// Blocks lent to the arenas of one worker's connections.
class ArenaBlocks {
 public:
  // A small request and its answer fit (a proxied GET to nginx uses ~700 bytes); more take more blocks.
  static constexpr std::size_t kBlockSize = 1024;
  std::unique_ptr<std::byte[]> take();
  void give_back(std::unique_ptr<std::byte[]> block);
  std::size_t idle() const { return free_.size(); }

 private:
  static constexpr std::size_t kMaxIdle = 256;
  std::vector<std::unique_ptr<std::byte[]>> free_;
};

class FieldArena {
 public:
  explicit FieldArena(ArenaBlocks& blocks) : blocks_(&blocks) {}
  ~FieldArena() { reset(); }
  FieldArena(const FieldArena&) = delete;
  FieldArena& operator=(const FieldArena&) = delete;
  // Moved into the session that owns the connection (session.cpp), before anything is allocated.
  FieldArena(FieldArena&& other) noexcept
      : blocks_(other.blocks_), block_(std::move(other.block_)), used_(std::exchange(other.used_, 0)),
        spent_(std::move(other.spent_)), large_(std::move(other.large_)) {}
  FieldArena& operator=(FieldArena&&) = delete;

  // `align`: a power of two. Inline for the usual case, room in the current block (several
  // calls per header line).
  void* allocate(std::size_t bytes, std::size_t align) {
    const std::size_t start = (used_ + align - 1) & ~(align - 1);
    if (block_ && start + bytes <= ArenaBlocks::kBlockSize) {
      used_ = start + bytes;
      return block_.get() + start;
    }
    return allocate_elsewhere(bytes, align);
  }
  // Everything allocated is free again. Only when no fields allocated here are alive.
  void reset();

 private:
  void* allocate_elsewhere(std::size_t bytes, std::size_t align);

  ArenaBlocks* blocks_;
  std::unique_ptr<std::byte[]> block_;
  std::size_t used_ = 0;
  std::vector<std::unique_ptr<std::byte[]>> spent_;  // full blocks, lent back at reset
  std::vector<std::unique_ptr<std::byte[]>> large_;  // fields bigger than half a block
};

}  // namespace cutover::http
