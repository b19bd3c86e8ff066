#include "reload/path_state.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace cutover::reload {
namespace fs = std::filesystem;
namespace {

constexpr int kMaxLinks = 40;  // Linux's MAXSYMLINKS

std::error_code errno_code() { return {errno, std::generic_category()}; }

class Resolver {
 public:
  explicit Resolver(LinkChain& out) : out_(out) {}

  // Walks the relative path `rest` from the physical directory `dir`; returns the physical path
  // reached, or nothing (with out_.error set).
  std::optional<fs::path> walk(fs::path dir, const fs::path& rest) {
    for (const auto& part : rest) {
      const std::string name = part.string();
      if (name.empty() || name == ".") continue;
      if (name == "..") {  // `dir` is physical, so lexical parent is the real parent
        dir = dir.parent_path();
        continue;
      }
      out_.entries.push_back({dir, name});
      fs::path entry = dir / name;
      struct stat st {};
      if (::lstat(entry.c_str(), &st) != 0) return fail(errno_code());
      if (!S_ISLNK(st.st_mode)) {
        dir = std::move(entry);
        continue;
      }
      if (++links_ > kMaxLinks) return fail(std::make_error_code(std::errc::too_many_symbolic_link_levels));
      std::error_code ec;
      const fs::path target = fs::read_symlink(entry, ec);
      if (ec) return fail(ec);
      auto reached = follow(dir, target);
      if (!reached) return std::nullopt;
      dir = std::move(*reached);
    }
    return dir;
  }

 private:
  std::optional<fs::path> follow(const fs::path& dir, const fs::path& target) {
    if (target.is_relative()) return walk(dir, target);
    std::error_code ec;
    fs::path parent = fs::canonical(target.parent_path(), ec);
    if (ec) return fail(ec);
    return walk(std::move(parent), target.filename());
  }

  std::optional<fs::path> fail(std::error_code ec) {
    out_.error = ec;
    return std::nullopt;
  }

  LinkChain& out_;
  int links_ = 0;
};

constexpr std::uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr std::uint64_t kFnvPrime = 1099511628211ULL;
constexpr std::size_t kChunk = 64 * 1024;

// Closes the descriptor on every exit path.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

LinkChain resolve_chain(const fs::path& path) {
  LinkChain out;
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec);
  if (ec) {
    out.error = ec;
    return out;
  }
  fs::path dir = fs::canonical(absolute.parent_path(), ec);
  if (ec) {
    out.error = ec;
    return out;
  }
  Resolver resolver(out);
  out.target = resolver.walk(std::move(dir), absolute.filename());
  return out;
}

std::optional<Fingerprint> fingerprint_file(const fs::path& path, std::error_code& error) {
  error.clear();
  // O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    error = errno_code();
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    error = errno_code();
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    error = std::make_error_code(S_ISDIR(st.st_mode) ? std::errc::is_a_directory : std::errc::invalid_argument);
    return std::nullopt;
  }
  Fingerprint print{0, kFnvOffset};
  std::array<unsigned char, kChunk> chunk{};
  for (;;) {
    const ssize_t n = ::read(fd.get(), chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = errno_code();
      return std::nullopt;
    }
    if (n == 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      print.hash = (print.hash ^ chunk[static_cast<std::size_t>(i)]) * kFnvPrime;
    }
    print.size += static_cast<std::uint64_t>(n);
  }
  return print;
}

}  // namespace cutover::reload
