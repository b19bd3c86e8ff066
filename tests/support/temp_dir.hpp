// Per-test scratch directories under /tmp (configs, secrets, captured output, access logs).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace cutover::test {

// Creates /tmp/cutover-<Suite.Test>-<label>-XXXXXX. The destructor removes it, except when the
// running test has failed or CUTOVER_KEEP_TMP is set: then it stays for a post-mortem and its
// path is printed to stderr.
class TempDir {
 public:
  explicit TempDir(std::string_view label = "tmp");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path file(std::string_view name) const { return path_ / name; }

  // Writes atomically (temp file + rename), so a process watching the file never sees half of it.
  std::filesystem::path write(std::string_view name, std::string_view content) const;
  std::string read(std::string_view name) const;

 private:
  std::filesystem::path path_;
};

// Whole file as a string; empty if it does not exist.
std::string read_text_file(const std::filesystem::path& path);

}  // namespace cutover::test
