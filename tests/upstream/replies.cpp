// Pure reply builders for test_upstream: request head in, response out, no I/O.
#include "server.hpp"

#include "../support/raw_head.hpp"
#include "json.hpp"

#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <charconv>

namespace cutover::test::upstream {
namespace {

std::string_view to_sv(boost::beast::string_view s) { return {s.data(), s.size()}; }

bool status_allows_body(unsigned code) { return code >= 200 && code != 204 && code != 304; }

std::optional<std::string_view> find_field(const http::fields& fields, std::string_view name) {
  const auto it = fields.find(boost::beast::string_view(name.data(), name.size()));
  if (it == fields.end()) return std::nullopt;
  return to_sv(it->value());
}

// The sessionid cookie across every Cookie header ("a=1; sessionid=s-x; b=2").
std::optional<std::string_view> session_cookie(const http::fields& fields) {
  constexpr std::string_view kKey = "sessionid=";
  for (const auto& field : fields) {
    if (field.name() != http::field::cookie) continue;
    std::string_view rest = to_sv(field.value());
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      std::string_view pair = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      if (pair.starts_with(kKey)) return pair.substr(kKey.size());
    }
  }
  return std::nullopt;
}

StringResponse headers_reply(const RequestHead& head, const ServerState& state) {
  std::string body = "{";
  append_json_field(body, "method", head.method);
  body += ", ";
  append_json_field(body, "target", head.target);
  body += ", ";
  append_json_field(body, "backend", state.name);
  body += ", \"headers\": [";
  bool first = true;
  for (const auto& [name, value] : parse_head_fields(head.raw_head)) {
    body += first ? "[" : ", [";
    first = false;
    append_json_string(body, name);
    body += ", ";
    append_json_string(body, value);
    body += "]";
  }
  body += "]}";
  return json_reply(state, 200, head.version, std::move(body));
}

StringResponse status_reply(const RequestHead& head, const ServerState& state) {
  const auto code = parse_uint(head.path.substr(std::string_view("/status/").size()));
  if (!code || *code < 100 || *code > 599) {
    return error_reply(state, 400, head.version, "status must be 100..599");
  }
  const auto status = static_cast<unsigned>(*code);
  return json_reply(state, status, head.version, "{\"status\": " + std::to_string(status) + "}");
}

StringResponse whoami_reply(const RequestHead& head, const ServerState& state) {
  const auto session = session_cookie(head.fields);
  if (session && session->starts_with("s-")) {
    StringResponse res = json_reply(state, 200, head.version, "");
    res.set("X-User-Id", boost::beast::string_view(session->data() + 2, session->size() - 2));
    res.erase(http::field::content_type);
    return res;
  }
  if (session && *session == "down") return error_reply(state, 503, head.version, "auth backend down");
  return error_reply(state, 401, head.version, "no valid session");
}

StringResponse default_reply(const RequestHead& head, const ServerState& state) {
  std::string body = "{";
  append_json_field(body, "backend", state.name);
  body += ", ";
  append_json_field(body, "method", head.method);
  body += ", ";
  append_json_field(body, "target", head.target);
  body += ", \"user\": ";
  if (const auto user = find_field(head.fields, "X-User-Id")) {
    append_json_string(body, *user);
  } else {
    body += "null";
  }
  body += "}";
  return json_reply(state, 200, head.version, std::move(body));
}

}  // namespace

RequestHead make_head(const http::request_header<>& req, std::string_view raw_head) {
  const std::string_view target = to_sv(req.target());
  const auto q = target.find('?');
  return RequestHead{
      .method = to_sv(req.method_string()),
      .target = target,
      .path = target.substr(0, q),
      .query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1),
      .fields = req,
      .raw_head = raw_head,
      .version = req.version(),
  };
}

std::optional<std::string_view> query_param(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    }
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_uint(std::string_view text) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

StringResponse json_reply(const ServerState& state, unsigned code, unsigned version, std::string body) {
  StringResponse res;
  res.result(code);
  // Beast names unregistered codes "<unknown-status>"; a neutral phrase keeps clients happy.
  if (http::int_to_status(code) == http::status::unknown) res.reason("Status");
  res.version(version);
  res.set("X-Served-By", state.name);
  // 1xx, 204 and 304 must not carry a body; 1xx and 204 must not carry Content-Length either.
  if (status_allows_body(code)) {
    res.set(http::field::content_type, "application/json");
    res.body() = std::move(body);
    res.content_length(res.body().size());
  }
  return res;
}

StringResponse error_reply(const ServerState& state, unsigned code, unsigned version, std::string_view why) {
  std::string body = "{\"status\": " + std::to_string(code) + ", ";
  append_json_field(body, "error", why);
  body += "}";
  return json_reply(state, code, version, std::move(body));
}

StringResponse make_reply(const RequestHead& head, const ServerState& state) {
  if (head.path == "/headers") return headers_reply(head, state);
  if (head.path.starts_with("/status/")) return status_reply(head, state);
  if (head.path == "/whoami") return whoami_reply(head, state);
  if (head.path == "/__stats") return json_reply(state, 200, head.version, state.stats.to_json());
  return default_reply(head, state);
}

StringResponse sink_reply(const ServerState& state, unsigned version, std::uint64_t bytes, const std::string& checksum,
                          bool chunked, const std::vector<std::pair<std::string, std::string>>& trailers) {
  std::string body = "{\"bytes\": " + std::to_string(bytes) + ", ";
  append_json_field(body, "checksum", checksum);
  body += chunked ? ", \"chunked\": true" : ", \"chunked\": false";
  body += ", \"trailers\": [";
  for (std::size_t i = 0; i < trailers.size(); ++i) {
    body += i == 0 ? "[" : ", [";
    append_json_string(body, trailers[i].first);
    body += ", ";
    append_json_string(body, trailers[i].second);
    body += "]";
  }
  body += "]}";
  return json_reply(state, 200, version, std::move(body));
}

std::vector<std::pair<std::string, std::string>> trailer_fields(const http::fields& all, std::string_view raw_head) {
  auto head = parse_head_fields(raw_head);
  std::vector<std::pair<std::string, std::string>> trailers;
  for (const auto& field : all) {
    const auto in_head = std::find_if(head.begin(), head.end(), [&](const auto& pair) {
      return boost::beast::iequals(pair.first, to_sv(field.name_string())) && pair.second == to_sv(field.value());
    });
    if (in_head != head.end()) {
      head.erase(in_head);
    } else {
      trailers.emplace_back(std::string(to_sv(field.name_string())), std::string(to_sv(field.value())));
    }
  }
  return trailers;
}

StringResponse delay_reply(const ServerState& state, unsigned version, std::uint64_t ms) {
  std::string body = "{";
  append_json_field(body, "backend", state.name);
  body += ", \"delayed_ms\": " + std::to_string(ms) + "}";
  return json_reply(state, 200, version, std::move(body));
}

void Stats::record(std::string_view path) {
  const std::lock_guard lock(mutex_);
  ++total_;
  if (auto it = by_path_.find(path); it != by_path_.end()) {
    ++it->second;
  } else if (by_path_.size() < kMaxPaths) {
    by_path_.emplace(std::string(path), 1);
  } else {
    ++by_path_[std::string(kOtherPaths)];
  }
}

void Stats::record_connection() {
  const std::lock_guard lock(mutex_);
  ++connections_;
}

std::string Stats::to_json() const {
  const std::lock_guard lock(mutex_);
  std::string body = "{\"requests\": " + std::to_string(total_) + ", \"connections\": " +
                     std::to_string(connections_) + ", \"by_path\": {";
  bool first = true;
  for (const auto& [path, count] : by_path_) {
    if (!first) body += ", ";
    first = false;
    append_json_string(body, path);
    body += ": " + std::to_string(count);
  }
  body += "}}";
  return body;
}

}  // namespace cutover::test::upstream
