#pragma once
// Giving freed heap memory back to the kernel after a config load. Parsing a config builds a
// YAML document many times the size of what is kept (~45 MB at its peak for 10,000 routes,
// ~10 MB kept), and glibc keeps what is freed inside the process, so without this the gateway's
// RSS would stay at the parse's peak for good.

namespace cutover {

// Control path only: it walks the heap and briefly locks each malloc arena. A no-op where the C
// library has no malloc_trim.
void release_free_heap() noexcept;

}  // namespace cutover
