#pragma once
// The heap the calling thread holds right now, in whole blocks (each at the size class the
// allocator gave it): what a connection costs, measured directly instead of through the process's
// RSS and its page-sized noise. The session tier runs the worker on the test's thread, so its
// coroutine frames, sockets' reactor state, buffers and strings are all counted here, whether
// they came through operator new, malloc or aligned_alloc.
#include <cstdint>
#include <optional>

namespace cutover::session_test {

// None when the heap is not mimalloc's (sanitizer builds): their allocators keep freed memory in
// quarantine, and the budgets were measured with mimalloc.
std::optional<std::int64_t> heap_bytes_in_use();

}  // namespace cutover::session_test
