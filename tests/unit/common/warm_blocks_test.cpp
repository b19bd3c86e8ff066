// The read buffers' allocator: the block given back last is the next one taken, on the same thread.
#include "cutover/common/warm_blocks.hpp"

#include <gtest/gtest.h>
#include <sanitizer/asan_interface.h>

#include <thread>
#include <vector>

namespace cutover {
namespace {

// Each test starts from an empty stack on its own thread, whatever ran before on the main one.
template <class Body>
void on_a_fresh_thread(Body body) {
  std::thread thread(body);
  thread.join();
}

TEST(WarmBlocks, TheBlockGivenBackLastIsTakenFirst) {
  on_a_fresh_thread([] {
    void* older = take_warm_block(kWarmBlockBytes);
    void* newer = take_warm_block(kWarmBlockBytes);
    give_warm_block(older, kWarmBlockBytes);
    give_warm_block(newer, kWarmBlockBytes);
    EXPECT_EQ(take_warm_block(kWarmBlockBytes), newer);
    EXPECT_EQ(take_warm_block(kWarmBlockBytes), older);
    EXPECT_EQ(warm_blocks_kept(), 0u);
    give_warm_block(older, kWarmBlockBytes);
    give_warm_block(newer, kWarmBlockBytes);
  });
}

TEST(WarmBlocks, OtherSizesAreNotKept) {
  on_a_fresh_thread([] {
    void* grown = take_warm_block(2 * kWarmBlockBytes);
    give_warm_block(grown, 2 * kWarmBlockBytes);
    EXPECT_EQ(warm_blocks_kept(), 0u);
  });
}

TEST(WarmBlocks, AtMostAFewAreKept) {
  on_a_fresh_thread([] {
    std::vector<void*> blocks;
    for (std::size_t i = 0; i < kWarmBlocksKept + 10; ++i) blocks.push_back(take_warm_block(kWarmBlockBytes));
    for (void* block : blocks) give_warm_block(block, kWarmBlockBytes);
    EXPECT_EQ(warm_blocks_kept(), kWarmBlocksKept);  // the rest went back to the heap
  });
}

TEST(WarmBlocks, EachThreadKeepsItsOwn) {
  on_a_fresh_thread([] {
    void* mine = take_warm_block(kWarmBlockBytes);
    give_warm_block(mine, kWarmBlockBytes);
    void* theirs = nullptr;
    std::thread other([&] { theirs = take_warm_block(kWarmBlockBytes); });
    other.join();
    EXPECT_NE(theirs, mine);
    give_warm_block(theirs, kWarmBlockBytes);  // given back here, kept here
    EXPECT_EQ(warm_blocks_kept(), 2u);
  });
}

TEST(WarmBlocks, AReadBufferReusesTheBlockItsPredecessorGaveBack) {
  on_a_fresh_thread([] {
    const void* first = nullptr;
    {
      ReadBuffer buffer;
      buffer.prepare(kWarmBlockBytes);
      first = buffer.data().data();
      buffer.shrink_to_fit();  // as a connection does once its head is parsed
    }
    ReadBuffer next;
    next.prepare(kWarmBlockBytes);
    EXPECT_EQ(next.data().data(), first);
  });
}

#if defined(__SANITIZE_ADDRESS__)
// A kept block is freed as far as the code is concerned: the sanitizer still reports a touch.
TEST(WarmBlocks, AKeptBlockIsPoisonedUntilTakenAgain) {
  on_a_fresh_thread([] {
    void* block = take_warm_block(kWarmBlockBytes);
    give_warm_block(block, kWarmBlockBytes);
    EXPECT_TRUE(__asan_address_is_poisoned(static_cast<char*>(block) + kWarmBlockBytes / 2));
    EXPECT_EQ(take_warm_block(kWarmBlockBytes), block);
    EXPECT_FALSE(__asan_address_is_poisoned(static_cast<char*>(block) + kWarmBlockBytes / 2));
    give_warm_block(block, kWarmBlockBytes);
  });
}
#endif

}  // namespace
}  // namespace cutover
