#pragma once
// Memory for parsed header fields. Beast's basic_fields allocates one node per field; with the
// standard allocator that is a malloc and a free per header line of every request and response
// (a typical backend answer has eight). Here a connection's fields come from an arena: bumping a
// pointer in a 1 KiB block that the worker lends out and takes back when the connection's
// messages are done with (FieldArena::reset), so an idle connection holds no block at all.
// Single-threaded, like everything in a worker.
#include <cstddef>
#include <memory>
#include <vector>

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>

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

  void* allocate(std::size_t bytes, std::size_t align);
  // Everything allocated is free again. Only when no fields allocated here are alive.
  void reset();

 private:
  ArenaBlocks* blocks_;
  std::unique_ptr<std::byte[]> block_;
  std::size_t used_ = 0;
  std::vector<std::unique_ptr<std::byte[]>> spent_;  // full blocks, lent back at reset
  std::vector<std::unique_ptr<std::byte[]>> large_;  // fields bigger than half a block

};

template <class T>
class ArenaAllocator {
 public:
  using value_type = T;
  explicit ArenaAllocator(FieldArena& arena) noexcept : arena_(&arena) {}
  template <class U>
  ArenaAllocator(const ArenaAllocator<U>& other) noexcept : arena_(other.arena()) {}

  T* allocate(std::size_t n) { return static_cast<T*>(arena_->allocate(n * sizeof(T), alignof(T))); }
  void deallocate(T*, std::size_t) noexcept {}  // reclaimed all at once by FieldArena::reset

  FieldArena* arena() const noexcept { return arena_; }
  template <class U>
  bool operator==(const ArenaAllocator<U>& other) const noexcept { return arena_ == other.arena(); }

 private:
  FieldArena* arena_;
};

using ArenaFields = boost::beast::http::basic_fields<ArenaAllocator<char>>;
using ArenaRequestHeader = boost::beast::http::request_header<ArenaFields>;
using ArenaResponseHeader = boost::beast::http::response_header<ArenaFields>;

}  // namespace cutover::http
