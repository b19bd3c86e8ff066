#pragma once
// One JSON line per request, written asynchronously (spdlog's async logger with its own thread)
// so a slow disk or a blocked stdout never stalls the data path. When the queue is full the
// oldest lines are dropped and counted, rather than blocking requests.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

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
};

// Formats a record as one JSON line (no trailing newline). Pure; exposed for tests.
std::string format_access_record(const AccessRecord& record);

class AccessLog {
 public:
  // `path`: stdout, stderr, off, or a file (appended).
  explicit AccessLog(const std::string& path);
  ~AccessLog();
  void write(const AccessRecord& record);
  bool enabled() const { return logger_ != nullptr; }
  std::uint64_t dropped() const;
  void flush();

 private:
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace cutover::log
