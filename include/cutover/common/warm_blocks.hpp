#pragma once
// Each request takes two read buffers and gives them back: the client's (taken when the
// connection waits for a request, given back once its head is parsed) and the upstream
// connection's (taken once the request is sent, given back once the answer is relayed). Usually
// one is given back and the other taken in the same handler. From mimalloc, the new block would
// be one freed long ago (its free lists are per page, and the page in use moves on): at thousands
// of busy connections, taking it reads a cold free-list link and cold page bookkeeping. A stack
// per thread hands back the block given back last instead (docs/archive/performance-log.md).
#include <cstddef>

#include <boost/beast/core/flat_buffer.hpp>

namespace cutover {

// The size kept: every read starts by asking for this much room (http/parse_io.hpp).
inline constexpr std::size_t kWarmBlockBytes = 1024;
// Enough for the buffers one batch of socket events gives back before it takes them again.
inline constexpr std::size_t kWarmBlocksKept = 64;

// A block of `bytes`: the one given back last when it has kWarmBlockBytes, else operator new's.
void* take_warm_block(std::size_t bytes);
// Keeps a block of kWarmBlockBytes for the next take on this thread (up to kWarmBlocksKept).
void give_warm_block(void* block, std::size_t bytes) noexcept;
// Blocks kept by the calling thread (tests).
std::size_t warm_blocks_kept() noexcept;

template <class T>
struct WarmBlockAllocator {
  using value_type = T;
  WarmBlockAllocator() noexcept = default;
  template <class U>
  WarmBlockAllocator(const WarmBlockAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(take_warm_block(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { give_warm_block(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const WarmBlockAllocator<U>&) const noexcept {
    return true;
  }
};

// The buffer every socket read of the data path goes into.
using ReadBuffer = boost::beast::basic_flat_buffer<WarmBlockAllocator<char>>;

}  // namespace cutover
