// The process heap: the allocator the build asked for really serves malloc, operator new and the
// aligned allocations Asio makes for coroutine frames, and memory freed after a config load goes
// back to the kernel.
#include "cutover/common/heap.hpp"

#include <gtest/gtest.h>

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <vector>

#if defined(CUTOVER_WITH_MIMALLOC)
#include <mimalloc.h>
#endif

namespace cutover {
namespace {

long resident_kib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

#if defined(CUTOVER_WITH_MIMALLOC)
TEST(Heap, MimallocServesMallocNewAndAlignedAllocations) {
  EXPECT_STREQ(heap_allocator_name(), "mimalloc");
  auto from_new = std::make_unique<char[]>(200);
  void* aligned = std::aligned_alloc(16, 464);  // how Asio allocates a coroutine frame
  EXPECT_TRUE(mi_is_in_heap_region(from_new.get()));
  EXPECT_TRUE(mi_is_in_heap_region(aligned));
  std::free(aligned);
}
#else
TEST(Heap, TheCLibraryServesMallocWithoutMimalloc) {
  EXPECT_STREQ(heap_allocator_name(), "libc");
  EXPECT_EQ(dlsym(RTLD_DEFAULT, "mi_malloc"), nullptr) << "mimalloc is loaded in a build without it";
}
#endif

// A config parse's shape: a great many small blocks, all freed at the end. Not in sanitizer
// builds: they replace the allocator with their own, which holds freed blocks in a quarantine.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
TEST(Heap, MemoryFreedAfterALoadLeavesTheProcess) {
  constexpr std::size_t blocks = 1 << 20;
  constexpr std::size_t block_size = 64;
  configure_heap();  // as main() does
  const long before = resident_kib();
  {
    std::vector<std::unique_ptr<char[]>> parse;
    parse.reserve(blocks);
    for (std::size_t i = 0; i < blocks; ++i) {
      parse.push_back(std::make_unique<char[]>(block_size));
      parse.back()[0] = static_cast<char>(i);
    }
    ASSERT_GT(resident_kib() - before, 48 * 1024) << "the test did not make the heap grow";
  }
  release_free_heap();
  EXPECT_LT(resident_kib() - before, 16 * 1024);
}
#endif

}  // namespace
}  // namespace cutover
