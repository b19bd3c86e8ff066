#include "cutover/reload/file_watch.hpp"

#include "reload/path_state.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace cutover::reload {
namespace asio = boost::asio;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Everything that can replace or rewrite an entry of a watched directory, plus the directory
// itself going away. IN_MODIFY too, for writers that never close (or mmap) the file. The paths
// are physical directories; IN_DONT_FOLLOW keeps it so if one is swapped for a link meanwhile.
constexpr std::uint32_t kDirMask = IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_CLOSE_WRITE |
                                   IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR |
                                   IN_DONT_FOLLOW;
// A burst that never goes quiet (a slow writer) still gets checked after this many intervals.
constexpr int kMaxDelayFactor = 4;
constexpr std::size_t kReadBuffer = 16 * 1024;  // room for ~60 events with long names

std::error_code errno_code() { return {errno, std::generic_category()}; }

}  // namespace

class FileWatch::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::any_io_executor executor, fs::path path, ChangeHandler on_change,
       std::chrono::milliseconds debounce, LogSink log)
      : inotify_(executor), timer_(executor), on_change_(std::move(on_change)), debounce_(debounce),
        log_(std::move(log)) {
    path_error_ = add(std::move(path));  // reported by start(), where callers look for errors
  }

  std::error_code add(fs::path path);
  std::error_code start();
  void stop();
  bool running() const { return running_; }
  std::vector<fs::path> watched_directories() const;

 private:
  struct File {
    fs::path path;                   // as configured (absolute): what the loader will read
    std::optional<Fingerprint> last;  // last content seen; empty until it was seen once
    bool missing_reported = false;     // log a missing file once, not on every event
  };
  struct Watch {
    fs::path dir;
    std::set<std::string, std::less<>> names;  // chain entries in this directory
  };
  using WatchMap = std::map<int, Watch>;

  std::error_code watch_chain(const File& file, WatchMap& next);
  std::error_code rewatch();
  void read_events();
  void on_events(std::size_t bytes);
  bool is_relevant(int wd, std::uint32_t mask, std::string_view name);
  void note_event();
  void wait_until(Clock::time_point due);
  void on_timer();
  void evaluate();
  void look(File& file);
  void log(const std::string& message) const {
    if (log_) {
      log_(message);
    } else {
      spdlog::warn("file watch: {}", message);
    }
  }

  asio::posix::stream_descriptor inotify_;
  asio::steady_timer timer_;
  ChangeHandler on_change_;
  std::chrono::milliseconds debounce_;
  LogSink log_;
  std::error_code path_error_;
  std::vector<File> files_;
  WatchMap watches_;
  bool running_ = false;
  bool stopped_ = false;
  bool timer_armed_ = false;
  Clock::time_point burst_start_;
  Clock::time_point last_event_;
  alignas(inotify_event) std::array<char, kReadBuffer> buffer_{};
};

std::error_code FileWatch::Impl::add(fs::path path) {
  if (stopped_) return std::make_error_code(std::errc::operation_not_permitted);
  std::error_code ec;
  path = fs::absolute(path, ec);
  if (ec) return ec;
  const std::string name = path.filename().string();
  if (name.empty() || name == "." || name == "..") return std::make_error_code(std::errc::is_a_directory);
  const bool known = std::any_of(files_.begin(), files_.end(), [&](const File& f) { return f.path == path; });
  if (known) return {};
  files_.push_back({std::move(path), std::nullopt, false});
  if (!running_) return {};
  WatchMap next = watches_;
  ec = watch_chain(files_.back(), next);
  if (ec) {
    files_.pop_back();
    return ec;
  }
  watches_ = std::move(next);
  look(files_.back());
  return {};
}

std::error_code FileWatch::Impl::start() {
  if (stopped_) return std::make_error_code(std::errc::operation_not_permitted);
  if (running_) return {};
  if (path_error_) {
    stop();
    return path_error_;
  }
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    const auto ec = errno_code();
    stop();
    return ec;
  }
  boost::system::error_code assign_ec;
  inotify_.assign(fd, assign_ec);
  if (assign_ec) {
    ::close(fd);
    stop();
    return assign_ec;
  }
  running_ = true;
  if (const auto ec = rewatch(); ec) {
    stop();
    return ec;
  }
  for (auto& file : files_) look(file);
  read_events();
  return {};
}

void FileWatch::Impl::stop() {
  stopped_ = true;
  running_ = false;
  timer_.cancel();
  boost::system::error_code ignored;
  inotify_.close(ignored);  // cancels the pending read; closing the fd drops every watch
  watches_.clear();
}

std::vector<fs::path> FileWatch::Impl::watched_directories() const {
  std::vector<fs::path> dirs;
  for (const auto& [wd, watch] : watches_) dirs.push_back(watch.dir);
  return dirs;
}

// Adds the directories of `file`'s chain to `next`. Only the file's own directory is required;
// a deeper one that cannot be watched is logged (the chain may be half-replaced right now).
std::error_code FileWatch::Impl::watch_chain(const File& file, WatchMap& next) {
  const LinkChain chain = resolve_chain(file.path);
  if (chain.entries.empty()) {
    return chain.error ? chain.error : std::make_error_code(std::errc::no_such_file_or_directory);
  }
  for (std::size_t i = 0; i < chain.entries.size(); ++i) {
    const auto& entry = chain.entries[i];
    // Same inode, same wd: adding an already watched directory again is harmless.
    const int wd = ::inotify_add_watch(inotify_.native_handle(), entry.dir.c_str(), kDirMask);
    if (wd < 0) {
      const auto ec = errno_code();
      if (i == 0) return ec;
      log("cannot watch " + entry.dir.string() + " (for " + file.path.string() + "): " + ec.message());
      continue;
    }
    auto& watch = next[wd];
    watch.dir = entry.dir;
    watch.names.insert(entry.name);
  }
  return {};
}

// Resolves every file again and makes the watches match: entries and directories on the chains
// may have been replaced since the last look. Returns the first file whose directory is unusable.
std::error_code FileWatch::Impl::rewatch() {
  WatchMap next;
  std::error_code first;
  for (const auto& file : files_) {
    if (auto ec = watch_chain(file, next); ec) {
      log("cannot watch the directory of " + file.path.string() + ": " + ec.message());
      if (!first) first = ec;
    }
  }
  for (const auto& [wd, watch] : watches_) {
    if (!next.contains(wd)) ::inotify_rm_watch(inotify_.native_handle(), wd);  // EINVAL if already gone
  }
  watches_ = std::move(next);
  return first;
}

void FileWatch::Impl::read_events() {
  inotify_.async_read_some(asio::buffer(buffer_),
                           [self = shared_from_this()](const boost::system::error_code& ec, std::size_t bytes) {
                             if (self->stopped_) return;
                             if (ec) {
                               self->log("reading inotify events failed, watch stopped: " + ec.message());
                               self->stop();
                               return;
                             }
                             self->on_events(bytes);
                             if (!self->stopped_) self->read_events();  // the log sink may stop us
                           });
}

void FileWatch::Impl::on_events(std::size_t bytes) {
  bool relevant = false;
  std::size_t offset = 0;
  while (offset + sizeof(inotify_event) <= bytes) {
    inotify_event event{};
    std::memcpy(&event, buffer_.data() + offset, sizeof event);  // no aliasing or alignment games
    const char* name_start = buffer_.data() + offset + sizeof event;
    const std::string_view name(name_start, event.len > 0 ? ::strnlen(name_start, event.len) : 0);
    offset += sizeof event + event.len;
    relevant = is_relevant(event.wd, event.mask, name) || relevant;
  }
  if (relevant) note_event();
}

bool FileWatch::Impl::is_relevant(int wd, std::uint32_t mask, std::string_view name) {
  if (mask & IN_Q_OVERFLOW) {
    log("inotify queue overflowed; checking every file");
    return true;
  }
  const auto it = watches_.find(wd);
  if (it == watches_.end()) return false;  // a watch removed by rewatch(), late events
  if (mask & IN_IGNORED) {  // the directory is gone (deleted, unmounted): resolve again
    watches_.erase(it);
    return true;
  }
  if (mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) return true;
  return it->second.names.contains(name);
}

// Trailing-edge debounce: one timer per burst, pushed back by later events (up to a cap).
void FileWatch::Impl::note_event() {
  const auto now = Clock::now();
  last_event_ = now;
  if (timer_armed_) return;
  timer_armed_ = true;
  burst_start_ = now;
  wait_until(now + debounce_);
}

void FileWatch::Impl::wait_until(Clock::time_point due) {
  timer_.expires_at(due);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->stopped_) return;
    self->on_timer();
  });
}

void FileWatch::Impl::on_timer() {
  const auto due = std::min(last_event_ + debounce_, burst_start_ + kMaxDelayFactor * debounce_);
  if (Clock::now() < due) {
    wait_until(due);
    return;
  }
  timer_armed_ = false;
  evaluate();
}

void FileWatch::Impl::evaluate() {
  rewatch();
  bool changed = false;
  for (auto& file : files_) {
    const auto before = file.last;
    look(file);
    changed = changed || file.last != before;
  }
  // Last, and nothing touched after: the handler may stop or destroy the watch.
  if (changed && on_change_) on_change_();
}

// Records `file`'s content when it can be read; a missing file keeps its last fingerprint.
void FileWatch::Impl::look(File& file) {
  std::error_code ec;
  auto print = fingerprint_file(file.path, ec);
  if (!print) {
    if (!file.missing_reported) {
      log(file.path.string() + " cannot be read (" + ec.message() + "); waiting for it to come back");
    }
    file.missing_reported = true;
    return;
  }
  file.missing_reported = false;
  file.last = print;
}

FileWatch::FileWatch(asio::any_io_executor executor, fs::path path, ChangeHandler on_change,
                     std::chrono::milliseconds debounce, LogSink log)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(path), std::move(on_change), debounce,
                                   std::move(log))) {}

FileWatch::~FileWatch() { impl_->stop(); }

std::error_code FileWatch::start() { return impl_->start(); }

std::error_code FileWatch::add(fs::path path) { return impl_->add(std::move(path)); }
void FileWatch::stop() { impl_->stop(); }
bool FileWatch::running() const { return impl_->running(); }
std::vector<fs::path> FileWatch::watched_directories() const { return impl_->watched_directories(); }

}  // namespace cutover::reload
