// format_access_record: one valid JSON object per request, whatever the client put in the path.
#include "cutover/log/access_log.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <regex>
#include <thread>

namespace cutover::log {
namespace {

using nlohmann::json;

constexpr std::int64_t kTime = 1'700'000'000'123;  // 2023-11-14T22:13:20.123Z

AccessRecord full_record() {
  AccessRecord r;
  r.time_unix_ms = kTime;
  r.request_id = "req-1";
  r.route = "notes-read";
  r.backend = "notes-svc";
  r.user = "alice";
  r.method = "GET";
  r.path = "/api/notes/42";
  r.client = "10.0.0.7";
  r.status = 200;
  r.duration_ms = 12.5;
  r.upstream_ms = 10.25;
  r.bytes_in = 0;
  r.bytes_out = 1234;
  return r;
}

json parse_line(const std::string& line) {
  json parsed = json::parse(line, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << line;
  EXPECT_EQ(line.find('\n'), std::string::npos) << "a record must stay on one line";
  return parsed;
}

TEST(AccessRecord, EveryFieldIsPresent) {
  json j = parse_line(format_access_record(full_record()));
  EXPECT_EQ(j, (json{{"time", "2023-11-14T22:13:20.123Z"},
                     {"request_id", "req-1"},
                     {"route", "notes-read"},
                     {"backend", "notes-svc"},
                     {"user", "alice"},
                     {"method", "GET"},
                     {"path", "/api/notes/42"},
                     {"client", "10.0.0.7"},
                     {"status", 200},
                     {"duration_ms", 12.5},
                     {"upstream_ms", 10.25},
                     {"bytes_in", 0},
                     {"bytes_out", 1234}}));
  EXPECT_TRUE(j["status"].is_number_integer());
  EXPECT_TRUE(j["bytes_out"].is_number_integer());
}

TEST(AccessRecord, EmptyValuesAreNull) {
  AccessRecord r = full_record();
  r.route = "";
  r.backend = "";
  r.user = "";
  r.upstream_ms = -1;
  r.status = 404;
  r.error = "no_route";
  json j = parse_line(format_access_record(r));
  EXPECT_TRUE(j["route"].is_null());
  EXPECT_TRUE(j["backend"].is_null());
  EXPECT_TRUE(j["user"].is_null());
  EXPECT_TRUE(j["upstream_ms"].is_null());
  EXPECT_EQ(j["error"], "no_route");
  EXPECT_EQ(j["status"], 404);
}

TEST(AccessRecord, ErrorIsOnlyWrittenWhenSet) {
  json j = parse_line(format_access_record(full_record()));
  EXPECT_FALSE(j.contains("error"));
  EXPECT_FALSE(j.contains("credentials_refused"));
}

TEST(AccessRecord, RefusedCredentialsSayWhy) {
  auto record = full_record();
  record.credentials_refused = "the user id contains ','";
  json j = parse_line(format_access_record(record));
  EXPECT_EQ(j["credentials_refused"], "the user id contains ','");
}

TEST(AccessRecord, AFallbackNamesTheBackendItStoodInFor) {
  auto record = full_record();
  EXPECT_FALSE(parse_line(format_access_record(record)).contains("fallback_from"));
  record.fallback_from = "notes-svc";
  EXPECT_EQ(parse_line(format_access_record(record))["fallback_from"], "notes-svc");
}

TEST(AccessRecord, TimeIsIso8601UtcWithMilliseconds) {
  const std::regex iso(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  for (auto [ms, text] : {std::pair<std::int64_t, const char*>{0, "1970-01-01T00:00:00.000Z"},
                          {kTime, "2023-11-14T22:13:20.123Z"},
                          {1'700'000'000'005, "2023-11-14T22:13:20.005Z"},
                          {951'782'400'999, "2000-02-29T00:00:00.999Z"},
                          {-1, "1969-12-31T23:59:59.999Z"}}) {
    AccessRecord r = full_record();
    r.time_unix_ms = ms;
    std::string time = parse_line(format_access_record(r))["time"];
    EXPECT_EQ(time, text);
    EXPECT_TRUE(std::regex_match(time, iso)) << time;
  }
}

TEST(AccessRecord, HostilePathsStayInsideTheirString) {
  const std::vector<std::string> paths = {
      "/a\"b",
      "/a\\\"},\"user\":\"admin",
      "/line\nbreak\r\n{\"forged\":1}",
      std::string("/nul\0x", 6),
      "/ctl\x01\x1f\x7f",
      "/utf8/caf\xc3\xa9",
  };
  for (const auto& path : paths) {
    SCOPED_TRACE(path);
    AccessRecord r = full_record();
    r.path = path;
    json j = parse_line(format_access_record(r));
    EXPECT_EQ(j["path"], path);
    EXPECT_EQ(j["user"], "alice");
    EXPECT_FALSE(j.contains("forged"));
  }
}

TEST(AccessRecord, InvalidUtf8StillGivesValidJson) {
  for (std::string path : {"/\xff", "/\xc3", "/\xe2\x82", "/\xed\xa0\x80", "/\xf4\x90\x80\x80", "/\xc0\xaf",
                           "/\xf8\x88\x80\x80\x80"}) {
    SCOPED_TRACE(path);
    AccessRecord r = full_record();
    r.path = path;
    r.user = path;
    json j = parse_line(format_access_record(r));
    EXPECT_TRUE(j["path"].is_string());
  }
}

TEST(AccessRecord, NumbersAreExactAndAlwaysJson) {
  AccessRecord r = full_record();
  r.bytes_in = (1ull << 53) + 1;  // a double would round this
  r.bytes_out = std::numeric_limits<std::uint64_t>::max();
  r.duration_ms = 1e300;
  r.upstream_ms = 0;
  json j = parse_line(format_access_record(r));
  EXPECT_EQ(j["bytes_in"].get<std::uint64_t>(), (1ull << 53) + 1);
  EXPECT_EQ(j["bytes_out"].get<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_DOUBLE_EQ(j["duration_ms"].get<double>(), 1e300);
  EXPECT_EQ(j["upstream_ms"], 0);  // 0 means "upstream answered at once", not "no upstream"
}

TEST(AccessRecord, NonFiniteDurationsBecomeNull) {
  AccessRecord r = full_record();
  r.duration_ms = std::numeric_limits<double>::quiet_NaN();
  r.upstream_ms = std::numeric_limits<double>::infinity();
  json j = parse_line(format_access_record(r));
  EXPECT_TRUE(j["duration_ms"].is_null());
  EXPECT_TRUE(j["upstream_ms"].is_null());
}

TEST(AccessRecord, DurationsHaveThreeDecimals) {
  AccessRecord r = full_record();
  r.duration_ms = 1.0 / 3.0;
  std::string line = format_access_record(r);
  EXPECT_NE(line.find("\"duration_ms\":0.333,"), std::string::npos) << line;
}

TEST(AccessRecord, AppendAddsTheLineAndANewlineToWhatIsThere) {
  std::string out = "earlier\n";
  append_access_record(out, full_record());
  append_access_record(out, full_record());
  const std::string line = format_access_record(full_record());
  EXPECT_EQ(out, "earlier\n" + line + "\n" + line + "\n");
}

// The time as the log wrote it before the per-second cache: gmtime and strftime on every call.
std::string reference_time(std::int64_t unix_ms) {
  char stamp[40];
  std::int64_t millis = ((unix_ms % 1000) + 1000) % 1000;
  std::time_t seconds = static_cast<std::time_t>((unix_ms - millis) / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(stamp + n, sizeof stamp - n, ".%03dZ", static_cast<int>(millis));
  return stamp;
}

TEST(AccessRecord, CachedSecondsGiveTheSameTimeAsFormattingEachOne) {
  // Back and forth across second boundaries (and 1970), so a stale cached second would show.
  std::vector<std::int64_t> times;
  for (std::int64_t base : {std::int64_t{0}, kTime - 123, std::int64_t{-86'400'000}, std::int64_t{253'402'300'799'000}}) {
    for (std::int64_t ms : {base - 1001, base - 1000, base - 999, base - 1, base, base + 1, base - 1, base + 999,
                            base + 1000, base + 999, base + 1999, base + 2000}) {
      times.push_back(ms);
    }
  }
  for (std::int64_t ms : times) {
    SCOPED_TRACE(ms);
    AccessRecord r = full_record();
    r.time_unix_ms = ms;
    std::string time = parse_line(format_access_record(r))["time"];
    EXPECT_EQ(time, reference_time(ms));
  }
}

TEST(AccessRecord, EachThreadHasItsOwnCachedSecond) {
  auto time_of = [](std::int64_t ms) {
    AccessRecord r = full_record();
    r.time_unix_ms = ms;
    return parse_line(format_access_record(r))["time"].get<std::string>();
  };
  EXPECT_EQ(time_of(kTime), "2023-11-14T22:13:20.123Z");
  std::string other;
  std::thread([&] { other = time_of(0); }).join();
  EXPECT_EQ(other, "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(time_of(kTime + 1), "2023-11-14T22:13:20.124Z");
}

}  // namespace
}  // namespace cutover::log
