#include "cutover/log/access_log.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "cutover/common/json_text.hpp"

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
  out += std::to_string(value);  // exact: a double would round byte counts above 2^53
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

std::shared_ptr<spdlog::details::thread_pool> log_thread_pool() {
  // One background thread for all access-log output; 32k queued lines absorb bursts.
  static auto pool = std::make_shared<spdlog::details::thread_pool>(32768, 1);
  return pool;
}

}  // namespace

std::string format_access_record(const AccessRecord& r) {
  std::string out;
  out.reserve(320);
  out += "{\"time\":";
  append_json_string(out, [&] {
    char stamp[40];
    // Floor division, so times before 1970 still get a millisecond part of 0..999.
    std::int64_t millis = ((r.time_unix_ms % 1000) + 1000) % 1000;
    std::time_t seconds = static_cast<std::time_t>((r.time_unix_ms - millis) / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(stamp + n, sizeof stamp - n, ".%03dZ", static_cast<int>(millis));
    return std::string(stamp);
  }());
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
  out += '}';
  return out;
}

AccessLog::AccessLog(const std::string& path) {
  if (path == "off") return;
  spdlog::sink_ptr sink;
  if (path == "stdout") sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  else if (path == "stderr") sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  else sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, false);
  logger_ = std::make_shared<spdlog::async_logger>("access", sink, log_thread_pool(),
                                                   spdlog::async_overflow_policy::overrun_oldest);
  logger_->set_pattern("%v");
  logger_->set_level(spdlog::level::info);
  logger_->flush_on(spdlog::level::err);
  // Registered so spdlog::flush_every() writes lines out at least once a second.
  spdlog::drop("access");
  spdlog::register_logger(logger_);
}

AccessLog::~AccessLog() {
  flush();
  // Only our own registration: a newer AccessLog may have replaced it and must keep flushing.
  if (logger_ && spdlog::get("access") == logger_) spdlog::drop("access");
}

void AccessLog::write(const AccessRecord& record) {
  if (!logger_) return;
  logger_->info(format_access_record(record));
}

std::uint64_t AccessLog::dropped() const { return log_thread_pool()->overrun_counter(); }

void AccessLog::flush() {
  if (logger_) logger_->flush();
}

}  // namespace cutover::log
