#include "cutover/common/warm_blocks.hpp"

#include <sanitizer/asan_interface.h>

#include <array>
#include <new>

namespace cutover {

namespace {

struct WarmStack {
  std::array<void*, kWarmBlocksKept> blocks{};
  std::size_t count = 0;
  WarmStack() = default;
  WarmStack(const WarmStack&) = delete;
  WarmStack& operator=(const WarmStack&) = delete;
  ~WarmStack() {
    while (count != 0) {
      void* block = blocks[--count];
      ASAN_UNPOISON_MEMORY_REGION(block, kWarmBlockBytes);
      ::operator delete(block, kWarmBlockBytes);
    }
  }
};

thread_local WarmStack warm_stack;

}  // namespace

void* take_warm_block(std::size_t bytes) {
  WarmStack& stack = warm_stack;
  if (bytes == kWarmBlockBytes && stack.count != 0) {
    void* block = stack.blocks[--stack.count];
    ASAN_UNPOISON_MEMORY_REGION(block, kWarmBlockBytes);
    return block;
  }
  return ::operator new(bytes);
}

void give_warm_block(void* block, std::size_t bytes) noexcept {
  WarmStack& stack = warm_stack;
  if (bytes == kWarmBlockBytes && stack.count < kWarmBlocksKept) {
    // A kept block is as good as freed: under AddressSanitizer, touching it is still an error.
    ASAN_POISON_MEMORY_REGION(block, kWarmBlockBytes);
    stack.blocks[stack.count++] = block;
    return;
  }
  ::operator delete(block, bytes);
}

std::size_t warm_blocks_kept() noexcept { return warm_stack.count; }

}  // namespace cutover
