#pragma once
// Watches the config file (and the files it depends on, such as key files) with inotify and calls
// `on_change()` once per burst of changes, after a quiet `debounce` interval.
//
// It watches the *directories* on the path's resolution chain, not the file, because the ways a
// config gets replaced never touch the original inode: an editor writes a temp file and renames
// it over the target (or renames the target away and creates a new one, as vim does), and a
// Kubernetes ConfigMap update swaps the `..data` symlink the path resolves through. Events are
// filtered by the entry names on that chain; after the debounce the chain is resolved again
// (entries may have been replaced) and the watches follow it.
//
// A change is a change of content (see src/reload/path_state.hpp): touch, chmod or rewriting the
// same bytes, and a ConfigMap swap to identical text, do not call back. A file that disappears is
// not a change (the reload would only fail); it counts again when it reappears with content that
// differs from the last content seen. A file missing at start() calls back when it appears.
//
// Runs on one executor (the gateway's control io_context, single-threaded); every member
// function must be called on it, or while it is not running. No threads, no polling. Destroying
// the watch with operations pending is safe; it must be destroyed before its io_context.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>
#include <system_error>
#include <vector>

namespace cutover::reload {

class FileWatch {
 public:
  using ChangeHandler = std::function<void()>;
  using LogSink = std::function<void(std::string_view message)>;

  static constexpr std::chrono::milliseconds kDefaultDebounce{250};

  // `log` receives problems found while running (inotify overflow, a watched directory gone, a
  // file unreadable); when empty they go to spdlog as warnings.
  FileWatch(boost::asio::any_io_executor executor, std::filesystem::path path, ChangeHandler on_change,
            std::chrono::milliseconds debounce = kDefaultDebounce, LogSink log = {});
  ~FileWatch();
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

  // Creates the inotify instance, watches every file added so far and records their content.
  // Fails (and stays stopped) when inotify cannot be created (EMFILE: too many instances), when a
  // file's directory cannot be watched (ENOENT, EACCES, ENOSPC: the inotify watch limit), or
  // when called after stop().
  std::error_code start();

  // Watches one more file (a key file the config names). Before start() it is only recorded;
  // after it, the file is watched at once and an error means it was not added.
  std::error_code add(std::filesystem::path path);

  // Cancels the debounce timer and the inotify read, and drops every watch. No callback runs
  // after it returns. Final: a stopped watch does not start again.
  void stop();

  bool running() const;
  // The directories currently watched (for status output and tests).
  std::vector<std::filesystem::path> watched_directories() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;  // shared with pending handlers, so they outlive `this` safely
};

}  // namespace cutover::reload
