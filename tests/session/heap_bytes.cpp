#include "session/heap_bytes.hpp"

#include <cstring>

#include "cutover/common/heap.hpp"

#if defined(CUTOVER_WITH_MIMALLOC)
#include <mimalloc.h>
#endif

namespace cutover::session_test {

std::optional<std::int64_t> heap_bytes_in_use() {
#if defined(CUTOVER_WITH_MIMALLOC)
  if (std::strcmp(heap_allocator_name(), "mimalloc") != 0) return std::nullopt;
  mi_heap_t* heap = mi_heap_get_default();
  mi_heap_collect(heap, false);  // blocks freed by other threads (the access-log writer) count as freed
  std::int64_t used = 0;
  mi_heap_visit_blocks(
      heap, false,
      [](const mi_heap_t*, const mi_heap_area_t* area, void*, std::size_t, void* sum) {
        *static_cast<std::int64_t*>(sum) += static_cast<std::int64_t>(area->used * area->block_size);
        return true;
      },
      &used);
  return used;
#else
  return std::nullopt;
#endif
}

}  // namespace cutover::session_test
