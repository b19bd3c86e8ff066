#pragma once
// One JSON line per request. The request path only appends the line to a per-thread buffer
// (an uncontended mutex, no syscall, no allocation once the buffers have grown); a background
// thread writes the buffers out in batches, one write per batch, so a slow disk or a blocked
// stdout never stalls the data path. A buffer that has grown past its cap drops lines and counts
// them, rather than blocking requests or growing without bound.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

namespace cutover::log {

struct AccessRecord {
  std::int64_t time_unix_ms = 0;
  std::string_view request_id;
  std::string_view route;     // "" when no route matched
  std::string_view backend;   // "" when none was picked
  std::string_view user;      // "" for anonymous
  std::string_view method;
  std::string_view path;      // as received (target without query string)
  std::string_view client;    // peer address
  unsigned status = 0;
  double duration_ms = 0;
  double upstream_ms = -1;    // -1 when no upstream was involved
  std::uint64_t bytes_in = 0;   // request body bytes
  std::uint64_t bytes_out = 0;  // response body bytes
  std::string_view error;     // local reply / failure reason, "" when proxied normally
  std::string_view credentials_refused;  // why a token or user id was refused, "" when none was
  std::string_view fallback_from;  // the backend the user is bucketed to, when `backend` stood in for it
};

// Appends a record as one JSON line plus '\n' to `out`. Pure apart from a per-thread cache of the
// formatted second, so it allocates only when `out` must grow.
void append_access_record(std::string& out, const AccessRecord& record);

// The same line without the trailing newline, in a string of its own. Exposed for tests.
std::string format_access_record(const AccessRecord& record);

// Batching knobs; the defaults suit the gateway, tests shrink them to make drops and wake-ups
// deterministic.
struct AccessLogOptions {
  std::chrono::milliseconds flush_period{100};     // the writer's longest sleep
  std::size_t wake_bytes = 64 * 1024;              // a buffer this full wakes the writer early
  std::size_t max_pending_bytes = 8 * 1024 * 1024; // per buffer; lines beyond it are dropped
};

class BatchWriter;

class AccessLog {
 public:
  // `path`: stdout, stderr, off, or a file (appended, created 0644). Throws std::system_error
  // naming the path when the file cannot be opened.
  explicit AccessLog(const std::string& path, const AccessLogOptions& options = {});
  ~AccessLog();  // writes every pending line
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void write(const AccessRecord& record);
  bool enabled() const { return writer_ != nullptr; }
  // Lines lost because a buffer was full or the write failed.
  std::uint64_t dropped() const;
  // Writes everything appended so far before returning.
  void flush();
  // Opens the file at the configured path again and writes there from now on, so log rotation
  // (rename, then signal) needs no restart. Pending lines go to the old file first. A no-op for
  // stdout, stderr and off; on failure the old file is kept and the error names the path.
  std::error_code reopen();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::unique_ptr<BatchWriter> writer_;
};

}  // namespace cutover::log
