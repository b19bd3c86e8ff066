#include "cutover/log/access_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <ctime>
#include <limits>
#include <system_error>

#include "cutover/common/json_text.hpp"
#include "log/batch_writer.hpp"

namespace cutover::log {
namespace {

void append_name(std::string& out, std::string_view name) {
  out += ",\"";
  out += name;
  out += "\":";
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  append_name(out, name);
  if (value.empty()) {
    out += "null";
  } else {
    append_json_string(out, value);
  }
}

void append_integer(std::string& out, std::string_view name, std::uint64_t value) {
  append_name(out, name);
  char buffer[std::numeric_limits<std::uint64_t>::digits10 + 1];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);  // exact, unlike a double
  out.append(buffer, result.ptr);
}

// Milliseconds with 3 decimals; NaN and infinities are not JSON, so they become null.
void append_millis(std::string& out, std::string_view name, double value) {
  append_name(out, name);
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char buffer[400];  // %.3f of the largest double fits in ~315 characters
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, 3);
  out.append(buffer, result.ptr);
}

// "YYYY-MM-DDTHH:MM:SS" of the last second seen by this thread: gmtime and strftime cost more
// than the rest of the line, and a busy thread logs many requests per second.
struct SecondText {
  std::int64_t second = std::numeric_limits<std::int64_t>::min();
  std::size_t size = 0;
  char text[40] = {};
};

void append_time(std::string& out, std::int64_t unix_ms) {
  // Floor division, so times before 1970 still get a millisecond part of 0..999 (written without
  // `unix_ms - millis`, which overflows near the minimum).
  const auto millis = static_cast<unsigned>(((unix_ms % 1000) + 1000) % 1000);
  const std::int64_t second = unix_ms / 1000 - (unix_ms % 1000 < 0 ? 1 : 0);
  thread_local SecondText cache;
  if (cache.second != second) {
    auto seconds = static_cast<std::time_t>(second);
    std::tm tm{};
    gmtime_r(&seconds, &tm);  // on failure tm stays zero, as it always has
    cache.size = std::strftime(cache.text, sizeof cache.text, "%Y-%m-%dT%H:%M:%S", &tm);
    cache.second = second;
  }
  // Only digits and "-T:" here, so no JSON escaping is needed.
  out += "{\"time\":\"";
  out.append(cache.text, cache.size);
  const char suffix[] = {'.', static_cast<char>('0' + millis / 100), static_cast<char>('0' + millis / 10 % 10),
                         static_cast<char>('0' + millis % 10), 'Z', '"'};
  out.append(suffix, sizeof suffix);
}

}  // namespace

void append_access_record(std::string& out, const AccessRecord& r) {
  append_time(out, r.time_unix_ms);
  append_field(out, "request_id", r.request_id);
  append_field(out, "route", r.route);
  append_field(out, "backend", r.backend);
  append_field(out, "user", r.user);
  append_field(out, "method", r.method);
  append_field(out, "path", r.path);
  append_field(out, "client", r.client);
  append_integer(out, "status", r.status);
  append_millis(out, "duration_ms", r.duration_ms);
  if (r.upstream_ms >= 0) append_millis(out, "upstream_ms", r.upstream_ms);
  else out += ",\"upstream_ms\":null";
  append_integer(out, "bytes_in", r.bytes_in);
  append_integer(out, "bytes_out", r.bytes_out);
  if (!r.error.empty()) append_field(out, "error", r.error);
  if (!r.credentials_refused.empty()) append_field(out, "credentials_refused", r.credentials_refused);
  if (!r.fallback_from.empty()) append_field(out, "fallback_from", r.fallback_from);
  out += "}\n";
}

std::string format_access_record(const AccessRecord& record) {
  std::string out;
  out.reserve(320);
  append_access_record(out, record);
  out.pop_back();
  return out;
}

namespace {

bool is_file_path(const std::string& path) { return path != "off" && path != "stdout" && path != "stderr"; }

int open_log_file(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

}  // namespace

AccessLog::AccessLog(const std::string& path, const AccessLogOptions& options) : path_(path) {
  if (path == "off") return;
  if (path == "stdout") {
    writer_ = std::make_unique<BatchWriter>(STDOUT_FILENO, false, options);
  } else if (path == "stderr") {
    writer_ = std::make_unique<BatchWriter>(STDERR_FILENO, false, options);
  } else {
    const int fd = open_log_file(path);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open access log " + path);
    writer_ = std::make_unique<BatchWriter>(fd, true, options);
  }
}

AccessLog::~AccessLog() = default;  // BatchWriter's destructor writes what is pending

void AccessLog::write(const AccessRecord& record) {
  if (!writer_) return;
  // Formatted outside the shard lock, so threads sharing a shard only contend for the copy.
  thread_local std::string line;
  line.clear();
  append_access_record(line, record);
  writer_->append(line);
  if (line.capacity() > 64 * 1024) std::string().swap(line);  // one huge path must not pin memory
}

std::uint64_t AccessLog::dropped() const { return writer_ ? writer_->dropped() : 0; }

void AccessLog::flush() {
  if (writer_) writer_->flush();
}

std::error_code AccessLog::reopen() {
  if (!writer_ || !is_file_path(path_)) return {};
  const int fd = open_log_file(path_);
  if (fd < 0) return {errno, std::generic_category()};
  if (const int error = writer_->replace_fd(fd); error != 0) return {error, std::generic_category()};
  return {};
}

}  // namespace cutover::log
