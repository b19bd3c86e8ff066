#include "cutover/log/access_log.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "cutover/common/json_text.hpp"

namespace cutover::log {
namespace {

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  if (value.empty()) {
    out += "null";
  } else {
    append_json_string(out, value);
  }
}

void append_number(std::string& out, std::string_view name, double value, int decimals) {
  char buffer[64];
  int n = std::snprintf(buffer, sizeof buffer, ",\"%.*s\":%.*f", static_cast<int>(name.size()), name.data(),
                        decimals, value);
  out.append(buffer, static_cast<std::size_t>(n));
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
    std::time_t seconds = static_cast<std::time_t>(r.time_unix_ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(stamp + n, sizeof stamp - n, ".%03dZ", static_cast<int>(r.time_unix_ms % 1000));
    return std::string(stamp);
  }());
  append_field(out, "request_id", r.request_id);
  append_field(out, "route", r.route);
  append_field(out, "backend", r.backend);
  append_field(out, "user", r.user);
  append_field(out, "method", r.method);
  append_field(out, "path", r.path);
  append_field(out, "client", r.client);
  append_number(out, "status", r.status, 0);
  append_number(out, "duration_ms", r.duration_ms, 3);
  if (r.upstream_ms >= 0) append_number(out, "upstream_ms", r.upstream_ms, 3);
  else out += ",\"upstream_ms\":null";
  append_number(out, "bytes_in", static_cast<double>(r.bytes_in), 0);
  append_number(out, "bytes_out", static_cast<double>(r.bytes_out), 0);
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
  if (logger_) spdlog::drop("access");
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
