#include "cutover/common/heap.hpp"

#include <cstdlib>  // defines __GLIBC__ on glibc

#if defined(CUTOVER_WITH_MIMALLOC)
#include <mimalloc.h>
#elif defined(__GLIBC__)
#include <malloc.h>
#endif

namespace cutover {

void configure_heap() noexcept {
#if defined(CUTOVER_WITH_MIMALLOC)
  // mimalloc hands emptied memory back to the kernel only after a delay (25 ms for a page, 500 ms
  // for a segment), and only when it next runs on that thread, so after a reload the parse's
  // peak could stay resident indefinitely. With no delay, memory goes back as it is freed and
  // release_free_heap() tidies what is left. Steady traffic is unaffected: an emptied page is
  // retired (kept) for a while first. An operator's MIMALLOC_* environment setting wins.
  if (std::getenv("MIMALLOC_DECOMMIT_DELAY") == nullptr) mi_option_set(mi_option_decommit_delay, 0);
  if (std::getenv("MIMALLOC_SEGMENT_DECOMMIT_DELAY") == nullptr) mi_option_set(mi_option_segment_decommit_delay, 0);
#endif
}

void release_free_heap() noexcept {
#if defined(CUTOVER_WITH_MIMALLOC)
  mi_collect(true);  // with the delays off, tidies what this thread's heap still holds
#elif defined(__GLIBC__)
  malloc_trim(0);
#endif
}

const char* heap_allocator_name() noexcept {
#if defined(CUTOVER_WITH_MIMALLOC)
  // Asks about a block from the C allocation functions, which libstdc++, OpenSSL and Asio call.
  void* probe = std::calloc(1, 64);
  const bool served = probe != nullptr && mi_is_in_heap_region(probe);
  std::free(probe);
  if (served) return "mimalloc";
#endif
  return "libc";
}

}  // namespace cutover
