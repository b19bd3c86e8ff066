#pragma once
// Relay buffers reused within a worker. Allocating (and zero-filling) a fresh 64 KiB buffer per
// request was 46% of the instructions of a small proxied GET (docs/archive/performance-log.md,
// baseline profile). A worker keeps the buffers its exchanges hand back and lends them out
// again, never zeroed: the relay only reads what it wrote. Single-threaded like everything in a
// worker.
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "http/relay.hpp"

namespace cutover::http {

class RelayBufferPool {
 public:
  // A buffer of kRelayBufferSize bytes, handed back when the lease ends.
  class Lease {
   public:
    Lease() = default;
    Lease(RelayBufferPool* pool, std::unique_ptr<char[]> buffer) : pool_(pool), buffer_(std::move(buffer)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&& other) noexcept {
      if (this != &other) {
        release();
        pool_ = other.pool_;
        buffer_ = std::move(other.buffer_);
      }
      return *this;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { release(); }

    char* get() const { return buffer_.get(); }

   private:
    void release() {
      if (buffer_ && pool_) pool_->give_back(std::move(buffer_));
      buffer_.reset();
    }
    RelayBufferPool* pool_ = nullptr;
    std::unique_ptr<char[]> buffer_;
  };

  Lease take() {
    if (free_.empty()) return {this, std::make_unique_for_overwrite<char[]>(kRelayBufferSize)};
    auto buffer = std::move(free_.back());
    free_.pop_back();
    return {this, std::move(buffer)};
  }

  std::size_t idle() const { return free_.size(); }

 private:
  // Beyond this many idle buffers (after a burst of concurrent exchanges), memory goes back to
  // the allocator rather than being held for a burst that may not come again.
  static constexpr std::size_t kMaxIdle = 64;

  void give_back(std::unique_ptr<char[]> buffer) {
    if (free_.size() < kMaxIdle) free_.push_back(std::move(buffer));
  }

  std::vector<std::unique_ptr<char[]>> free_;
};

}  // namespace cutover::http
