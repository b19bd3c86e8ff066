#include "log/batch_writer.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "cutover/common/thread_name.hpp"

namespace cutover::log {
namespace {

// A buffer that grew past this during a burst is freed rather than kept for reuse.
constexpr std::size_t kKeepCapacity = 1024 * 1024;

// Round robin over the threads that ever logged; fixed per thread so its lines stay in order.
std::size_t shard_of_this_thread(std::size_t shards) {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t ticket = next.fetch_add(1, std::memory_order_relaxed);
  return ticket % shards;
}

std::uint64_t lines_in(const iovec* parts, std::size_t count) {
  std::uint64_t lines = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char* begin = static_cast<const char*>(parts[i].iov_base);
    lines += static_cast<std::uint64_t>(std::count(begin, begin + parts[i].iov_len, '\n'));
  }
  return lines;
}

}  // namespace

BatchWriter::BatchWriter(int fd, bool owns_fd, const AccessLogOptions& options)
    : fd_(fd), owns_fd_(owns_fd), options_(options) {
  try {
    thread_ = std::thread([this] { run(); });
    name_thread(thread_, "access-log");
  } catch (...) {
    if (owns_fd_) ::close(fd_);
    throw;
  }
}

BatchWriter::~BatchWriter() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_cv_.notify_one();
  thread_.join();
  drain();
  if (owns_fd_) ::close(fd_);
}

void BatchWriter::append(std::string_view line) {
  Shard& shard = shards_[shard_of_this_thread(kShards)];
  bool crossed = false;
  {
    std::lock_guard lock(shard.mutex);
    const std::size_t before = shard.pending.size();
    if (before + line.size() > options_.max_pending_bytes) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    shard.pending.append(line);
    crossed = before < options_.wake_bytes && before + line.size() >= options_.wake_bytes;
  }
  if (crossed) wake();
}

void BatchWriter::wake() {
  {
    std::lock_guard lock(wake_mutex_);
    wake_requested_ = true;
  }
  wake_cv_.notify_one();
}

void BatchWriter::run() {
  std::unique_lock lock(wake_mutex_);
  while (!stopping_) {
    wake_cv_.wait_for(lock, options_.flush_period, [this] { return wake_requested_ || stopping_; });
    wake_requested_ = false;
    lock.unlock();
    drain();
    lock.lock();
  }
}

void BatchWriter::drain() {
  std::lock_guard drain_lock(drain_mutex_);
  drain_locked();
}

int BatchWriter::replace_fd(int fd) {
  std::lock_guard drain_lock(drain_mutex_);
  drain_locked();  // lines from before the rotation stay in the rotated file
  const int result = ::dup3(fd, fd_, O_CLOEXEC) < 0 ? errno : 0;
  ::close(fd);
  return result;
}

void BatchWriter::drain_locked() {
  std::array<iovec, kShards> parts{};
  std::size_t count = 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    {
      std::lock_guard lock(shards_[i].mutex);
      if (shards_[i].pending.empty()) continue;
      shards_[i].pending.swap(spare_[i]);
    }
    parts[count++] = {spare_[i].data(), spare_[i].size()};
  }
  if (count > 0) write_all(parts.data(), count);
  for (auto& buffer : spare_) {
    if (buffer.capacity() > kKeepCapacity) std::string().swap(buffer);
    else buffer.clear();
  }
}

void BatchWriter::write_all(iovec* parts, std::size_t count) {
  while (count > 0) {
    const ssize_t written = ::writev(fd_, parts, static_cast<int>(count));
    if (written < 0 && errno == EINTR) continue;
    if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // A non-blocking stdout (inherited from the parent): wait a while, then give up below.
      pollfd ready{fd_, POLLOUT, 0};
      if (::poll(&ready, 1, 1000) > 0) continue;
    }
    if (written <= 0) {
      // Disk full, stdout closed...: these lines are lost, and counted like lines dropped for space.
      dropped_.fetch_add(lines_in(parts, count), std::memory_order_relaxed);
      return;
    }
    auto left = static_cast<std::size_t>(written);
    while (count > 0 && left >= parts->iov_len) {
      left -= parts->iov_len;
      ++parts;
      --count;
    }
    if (count > 0) {
      parts->iov_base = static_cast<char*>(parts->iov_base) + left;
      parts->iov_len -= left;
    }
  }
}

}  // namespace cutover::log
