#pragma once
// What the watcher reads from the filesystem, kept apart from inotify so tests call it directly.
//
// Which directory entries a path's meaning depends on: a watched config path is often not the
// file itself. Editors replace it by rename, and a Kubernetes ConfigMap mount makes it a symlink
// through `..data` (itself a symlink swapped by rename) into a timestamped directory. Every entry
// walked while resolving the path is one whose replacement can change what the path reads, so
// the watcher watches the directories holding them and filters events by these names.
//
// What "the file changed" means: its bytes changed. Comparing content (not inode/mtime) makes a
// ConfigMap swap or an editor's save count only when the text differs, and makes touch, chmod and
// rewriting identical bytes no-ops, so a reload never runs for nothing.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace cutover::reload {

struct ChainEntry {
  std::filesystem::path dir;  // physical directory (no symlinks in it)
  std::string name;           // entry inside `dir`

  bool operator==(const ChainEntry&) const = default;
};

struct LinkChain {
  // In resolution order; the first is the path's own entry. Ends at the first missing entry
  // when the path does not resolve, so the watcher still sees that entry being created.
  std::vector<ChainEntry> entries;
  // Physical path of the file the path resolves to; empty when it does not resolve.
  std::optional<std::filesystem::path> target;
  // Why `target` is empty (no_such_file_or_directory for a missing file or dangling link,
  // too_many_symbolic_link_levels, permission_denied...). When `entries` is empty too, the
  // path's own directory is unusable.
  std::error_code error;
};

// Resolves `path` (relative to the working directory if not absolute) one entry at a time with
// lstat/readlink. Relative link targets are walked entry by entry, so links inside the same tree
// (`..data`) are tracked; for an absolute target only its last entry is tracked, the directories
// above it are taken as they are now (watching every level up to / is not worth it).
LinkChain resolve_chain(const std::filesystem::path& path);

struct Fingerprint {
  std::uint64_t size = 0;
  std::uint64_t hash = 0;  // FNV-1a 64 of the content

  bool operator==(const Fingerprint&) const = default;
};

// Reads the regular file at `path` (following symlinks). Nothing, with `error` set, when it is
// missing, unreadable or not a regular file (a FIFO is never opened for a blocking read).
std::optional<Fingerprint> fingerprint_file(const std::filesystem::path& path, std::error_code& error);

}  // namespace cutover::reload
