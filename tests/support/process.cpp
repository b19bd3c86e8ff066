#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

extern char** environ;

namespace cutover::test {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(5);
constexpr auto kTermGrace = std::chrono::seconds(2);
constexpr std::uint64_t kOutputTail = 16 * 1024;

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

int open_or_throw(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) throw_errno("open " + path.string());
  return fd;
}

// Only async-signal-safe calls between fork and exec: the parent may run other threads.
[[noreturn]] void exec_child(char* const* argv, char* const* envp, int out, int err, int in, int report) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (const int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD}) {
    ::sigaction(sig, &dfl, nullptr);
  }
  ::dup2(in, 0);
  ::dup2(out, 1);
  ::dup2(err, 2);
  // Test sockets are not CLOEXEC; a child holding one would keep "closed" connections open.
  // `report` is CLOEXEC and must survive until exec, so close around it.
  if (report > 3) ::close_range(3, static_cast<unsigned>(report) - 1, 0);
  ::close_range(static_cast<unsigned>(report) + 1, UINT_MAX, 0);
  ::execve(argv[0], argv, envp);
  const int e = errno;
  [[maybe_unused]] const auto n = ::write(report, &e, sizeof e);
  ::_exit(127);
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

Process::Process(std::vector<std::string> argv, ProcessOptions options) {
  if (argv.empty()) throw std::invalid_argument("Process: empty argv");
  std::filesystem::path dir = options.output_dir;
  if (dir.empty()) {
    own_dir_ = std::make_unique<TempDir>("proc");
    dir = own_dir_->path();
  }
  static std::atomic<int> counter{0};
  const std::string stem = std::filesystem::path(argv[0]).filename().string() + "." + std::to_string(++counter);
  stdout_path_ = dir / (stem + ".stdout");
  stderr_path_ = dir / (stem + ".stderr");

  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  env.insert(env.end(), options.env.begin(), options.env.end());
  auto c_argv = c_strings(argv);
  auto c_env = c_strings(env);

  const int out = open_or_throw(stdout_path_, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND);
  const int err = open_or_throw(stderr_path_, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND);
  const int in = open_or_throw("/dev/null", O_RDONLY);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw_errno("pipe2");

  pid_ = ::fork();
  if (pid_ == 0) exec_child(c_argv.data(), c_env.data(), out, err, in, report[1]);
  const int fork_errno = errno;
  for (const int fd : {out, err, in, report[1]}) ::close(fd);
  if (pid_ < 0) {
    ::close(report[0]);
    throw std::system_error(fork_errno, std::generic_category(), "fork");
  }
  ::setpgid(pid_, pid_);  // also here, so the group exists before we might signal it

  // The pipe closes on a successful exec; otherwise the child reports errno through it.
  int exec_errno = 0;
  ssize_t n = 0;
  do {
    n = ::read(report[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == sizeof exec_errno) {
    reap(true);
    throw std::system_error(exec_errno, std::generic_category(), "exec " + argv[0]);
  }
}

Process::~Process() {
  if (exit_status_) return;
  ::kill(pid_, SIGTERM);
  if (wait_exit(std::chrono::duration_cast<std::chrono::milliseconds>(kTermGrace))) return;
  ::kill(-pid_, SIGKILL);  // the group is still ours: the leader is not reaped yet
  ::kill(pid_, SIGKILL);
  reap(true);
}

bool Process::reap(bool block) {
  if (exit_status_) return true;
  int status = 0;
  pid_t r = 0;
  do {
    r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return false;
  if (r < 0) {
    exit_status_ = -1;  // not our child any more (someone else reaped it); treat as gone
    return true;
  }
  exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

bool Process::running() { return !reap(false); }

bool Process::send_signal(int sig) {
  if (!running()) return false;
  return ::kill(pid_, sig) == 0;
}

std::optional<int> Process::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!reap(false)) {
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return exit_status_;
}

std::optional<std::vector<std::string>> Process::wait_for_line(const std::regex& pattern,
                                                               std::chrono::milliseconds timeout, Stream stream,
                                                               std::uint64_t from) {
  const auto deadline = Clock::now() + timeout;
  const auto& path = stream == Stream::kStdout ? stdout_path_ : stderr_path_;
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(from));
  std::string pending;
  char buf[16 * 1024];
  const auto match = [&](const std::string& line) -> std::optional<std::vector<std::string>> {
    std::smatch m;
    if (!std::regex_search(line, m, pattern)) return std::nullopt;
    std::vector<std::string> captures;
    for (const auto& group : m) captures.push_back(group.str());
    return captures;
  };
  for (;;) {
    // Check for exit before reading, so the last read sees everything the process wrote.
    const bool exited = !running();
    for (;;) {
      in.clear();
      in.read(buf, sizeof buf);
      const auto got = in.gcount();
      if (got <= 0) break;
      pending.append(buf, static_cast<std::size_t>(got));
    }
    std::size_t start = 0;
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
      std::string line = pending.substr(start, nl - start);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      start = nl + 1;
      if (auto captures = match(line)) return captures;
    }
    pending.erase(0, start);
    if (exited) return match(pending);  // a last line without '\n' still counts once it's final
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::uint64_t Process::output_size(Stream stream) const {
  std::error_code ec;
  const auto size = std::filesystem::file_size(stream == Stream::kStdout ? stdout_path_ : stderr_path_, ec);
  return ec ? 0 : size;
}

std::string Process::output(Stream stream) const {
  return read_text_file(stream == Stream::kStdout ? stdout_path_ : stderr_path_);
}

std::string Process::output() const {
  const auto tail = [](std::string text) {
    if (text.size() > kOutputTail) text = "[...]" + text.substr(text.size() - kOutputTail);
    return text;
  };
  return "--- stdout of pid " + std::to_string(pid_) + " ---\n" + tail(output(Stream::kStdout)) + "--- stderr ---\n" +
         tail(output(Stream::kStderr)) + "--- end ---\n";
}

std::optional<std::uint64_t> Process::proc_status_kib(const char* key) const {
  if (exit_status_) return std::nullopt;  // the pid may already belong to someone else
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  const std::string prefix = std::string(key) + ":";
  while (std::getline(in, line)) {
    if (!line.starts_with(prefix)) continue;
    std::istringstream fields(line.substr(prefix.size()));
    std::uint64_t kib = 0;
    if (fields >> kib) return kib;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> Process::rss_kib() const { return proc_status_kib("VmRSS"); }
std::optional<std::uint64_t> Process::peak_rss_kib() const { return proc_status_kib("VmHWM"); }

}  // namespace cutover::test
