// A child process for integration tests: the gateway, test_upstream, curl.
#pragma once

#include "support/temp_dir.hpp"

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace cutover::test {

struct ProcessOptions {
  // Where stdout/stderr are captured; a fresh TempDir owned by the Process when empty.
  std::filesystem::path output_dir{};
  // Extra "NAME=value" entries on top of the test's own environment.
  std::vector<std::string> env{};
};

// Spawns argv[0] (an absolute path; no PATH lookup) in its own process group with stdin from
// /dev/null and stdout/stderr captured to files, so a chatty child never blocks on a full pipe.
// The child gets default signal dispositions, an empty signal mask, no inherited descriptors
// beyond 0-2, and SIGKILL if the test process dies. Not thread-safe: one owner thread.
class Process {
 public:
  enum class Stream { kStdout, kStderr };
  using Clock = std::chrono::steady_clock;

  // Throws std::system_error when the program cannot be started (including exec failure).
  explicit Process(std::vector<std::string> argv, ProcessOptions options = {});
  // SIGTERM, up to 2 s grace, then SIGKILL to the whole group; always reaps.
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }

  // Waits for a complete line of `stream` (from byte offset `from`) matching `pattern`
  // (regex_search). Returns the captures, [0] being the whole match; nullopt on timeout or when
  // the process exited without printing such a line. Searching from 0 every time keeps calls
  // independent; to wait for a *new* line, pass the output_size() taken before the action.
  std::optional<std::vector<std::string>> wait_for_line(const std::regex& pattern, std::chrono::milliseconds timeout,
                                                        Stream stream = Stream::kStdout, std::uint64_t from = 0);
  std::uint64_t output_size(Stream stream) const;
  std::string output(Stream stream) const;
  // Both streams, the last 16 KiB of each, labelled: for assertion messages.
  std::string output() const;
  const std::filesystem::path& stdout_path() const { return stdout_path_; }
  const std::filesystem::path& stderr_path() const { return stderr_path_; }

  // kill(pid, sig); false if the process is already gone.
  bool send_signal(int sig);
  // Exit code when it exited, 128 + signal number when a signal killed it (shell convention);
  // nullopt if still running after `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running();

  // VmRSS / VmHWM from /proc/PID/status in KiB; nullopt once the process is gone.
  std::optional<std::uint64_t> rss_kib() const;
  std::optional<std::uint64_t> peak_rss_kib() const;

 private:
  bool reap(bool block);
  std::optional<std::uint64_t> proc_status_kib(const char* key) const;

  std::unique_ptr<TempDir> own_dir_;
  std::filesystem::path stdout_path_;
  std::filesystem::path stderr_path_;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
};

}  // namespace cutover::test
