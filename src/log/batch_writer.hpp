#pragma once
// Complete lines appended by many threads, written to one fd by a background thread.
//
// Each writing thread appends to a shard of its own (threads share shards only when there are
// more than kShards), so the shard mutex is uncontended and appending makes no syscall. Each shard
// is double-buffered: the writer swaps the pending buffer for an empty one that kept its
// capacity, so once the buffers have grown appending allocates nothing. The writer wakes every
// `flush_period`, or early when a shard crosses `wake_bytes` (one notify per crossing, not per
// line), and writes all shards with one writev.
#include <sys/uio.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "cutover/log/access_log.hpp"

namespace cutover::log {

class BatchWriter {
 public:
  // Closes `fd` on destruction when `owns_fd`.
  BatchWriter(int fd, bool owns_fd, const AccessLogOptions& options);
  ~BatchWriter();  // writes every pending line
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  // `line` must end with '\n'. Dropped (and counted) when this thread's shard is at its cap.
  void append(std::string_view line);
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  // Writes everything appended before the call; blocks on the fd.
  void flush() { drain(); }
  // Writes what is pending to the current file, then makes `fd` the file written from now on
  // (duplicated onto the same descriptor number, so nothing else needs to know) and closes `fd`.
  // Returns 0, or the errno of a failed duplication (the old file is still written then).
  int replace_fd(int fd);

 private:
  static constexpr std::size_t kShards = 16;

  struct alignas(64) Shard {  // own cache line: neighbours are other threads' shards
    std::mutex mutex;
    std::string pending;
  };

  void wake();
  void run();
  void drain();
  void drain_locked();  // with drain_mutex_ held
  void write_all(iovec* parts, std::size_t count);

  const int fd_;
  const bool owns_fd_;
  const AccessLogOptions options_;
  std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> dropped_{0};

  std::mutex drain_mutex_;                  // one drain at a time: the thread's or flush()'s
  std::array<std::string, kShards> spare_;  // guarded by drain_mutex_; empty between drains

  std::mutex wake_mutex_;
  std::condition_variable wake_cv_;
  bool wake_requested_ = false;  // guarded by wake_mutex_
  bool stopping_ = false;        // guarded by wake_mutex_

  std::thread thread_;  // last: it starts once everything above exists
};

}  // namespace cutover::log
