#pragma once
// The process heap: which allocator serves it, and giving freed memory back to the kernel after a
// config load. Parsing a config builds a YAML document many times the size of what is kept
// (~45 MB at its peak for 10,000 routes, ~10 MB kept), and allocators keep what is freed inside
// the process, so without this the gateway's RSS would stay at the parse's peak for good.

namespace cutover {

// First thing in main (and in tests of the heap): makes release_free_heap() effective.
void configure_heap() noexcept;

// Control path only: it walks the calling thread's heap (mimalloc) or every malloc arena (glibc).
void release_free_heap() noexcept;

// "mimalloc" when mimalloc really serves malloc (linked ahead of the C library, so it replaced
// the C library's allocator), else "libc" (which also stands for a sanitizer's allocator or one
// preloaded with LD_PRELOAD). Logged at start-up so a build that lost the override is visible.
const char* heap_allocator_name() noexcept;

}  // namespace cutover
