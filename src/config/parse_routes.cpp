// routes: section — which backend serves which requests, and in what shares.
#include <algorithm>

#include "config/parse_sections.hpp"
#include "config/yaml_reader.hpp"
#include "cutover/config/parse.hpp"

namespace cutover::config {
namespace {

bool valid_method(std::string_view method) {
  if (method.empty() || method.size() > 20) return false;
  return std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

void parse_match(const YAML::Node& node, const std::string& where, MatchConfig& match, DiagnosticSink& sink) {
  MapReader reader(node, where + ".match", sink);
  match.mark = reader.mark();
  if (!reader.ok()) return;
  bool has_path = reader.read("path", match.path);
  bool has_prefix = reader.read("prefix", match.prefix);
  if (has_path) match.path_mark = mark_of(reader.get("path"));
  if (has_prefix) match.path_mark = mark_of(reader.get("prefix"));
  if (has_path == has_prefix) {
    sink.error(reader.mark(), "'" + where + ".match' needs exactly one of 'path' (exact or template like /api/notes/{id}) or 'prefix'");
  }
  for (const std::string* pattern : {&match.path, &match.prefix}) {
    if (!pattern->empty() && pattern->front() != '/') {
      sink.error(match.path_mark, "'" + where + ".match' path '" + *pattern + "' must start with '/'");
    }
  }
  auto methods = reader.get("methods");
  if (methods.IsDefined()) {
    if (!methods.IsSequence() || methods.size() == 0) {
      sink.error(mark_of(methods), "'" + where + ".match.methods' must be a non-empty list like [GET, HEAD]");
    } else {
      for (const auto& item : methods) {
        std::string method = item.IsScalar() ? upper(item.Scalar()) : std::string{};
        if (!valid_method(method)) {
          sink.error(mark_of(item), "'" + where + ".match.methods' has an invalid method '" + (item.IsScalar() ? item.Scalar() : "") + "'");
        } else if (std::find(match.methods.begin(), match.methods.end(), method) == match.methods.end()) {
          match.methods.push_back(method);
        }
      }
    }
  }
  if (reader.read("host", match.host)) {
    match.host = lower(match.host);
    if (match.host.empty() || match.host.find_first_of(" /:*") != std::string::npos) {
      sink.error(reader.key_mark("host"), "'" + where + ".match.host' must be a host name without port or wildcard, not '" + match.host + "'");
    }
  }
  reader.finish();
}

void parse_split(const YAML::Node& node, const std::string& where, RouteConfig& route, DiagnosticSink& sink) {
  if (!node.IsMap() || node.size() == 0) {
    sink.error(mark_of(node), "'" + where + ".split' must map backend names to percentages, e.g. { notes-svc: 25 }");
    return;
  }
  for (const auto& item : node) {
    SplitTarget target;
    target.mark = mark_of(item.first);
    if (!item.first.IsScalar()) {
      sink.error(target.mark, "'" + where + ".split' keys must be backend names");
      continue;
    }
    target.backend = item.first.Scalar();
    if (!item.second.IsScalar() || !parse_percent(item.second.Scalar(), target.share)) {
      sink.error(mark_of(item.second), "'" + where + ".split." + target.backend +
                                           "' must be a percentage from 0 to 100 in steps of 0.01, not '" +
                                           (item.second.IsScalar() ? item.second.Scalar() : std::string("a list or map")) + "'");
      continue;
    }
    route.split.push_back(target);
  }
}

// `return: 403`, or `return: { status: 403, body: "...", content_type: text/plain }`.
void parse_return(const YAML::Node& node, const std::string& where, ReturnConfig& answer, DiagnosticSink& sink) {
  answer.enabled = true;
  const std::string key = where + ".return";
  auto read_status = [&](const YAML::Node& value) {
    std::uint64_t status = 0;
    const std::string text = value.IsScalar() ? value.Scalar() : std::string{};
    if (!parse_size(text, status) || text.find_first_not_of("0123456789") != std::string::npos || status < 200 ||
        status > 599) {
      sink.error(mark_of(value), "'" + key + "' status must be a number from 200 to 599, not '" + text + "'");
      return;
    }
    answer.status = static_cast<unsigned>(status);
  };
  if (node.IsScalar()) {
    read_status(node);
    return;
  }
  MapReader reader(node, key, sink);
  if (!reader.ok()) return;
  if (auto status = reader.get("status"); status.IsDefined()) {
    read_status(status);
  } else {
    sink.error(reader.mark(), "'" + key + "' needs 'status', e.g. return: { status: 403, body: \"closed\" }");
  }
  reader.read("body", answer.body);
  if (reader.read("content_type", answer.content_type)) {
    const bool printable = std::all_of(answer.content_type.begin(), answer.content_type.end(),
                                       [](char c) { return c >= 0x20 && c < 0x7F; });
    if (answer.content_type.empty() || !printable) {
      sink.error(reader.key_mark("content_type"), "'" + key + ".content_type' must be a media type like text/plain");
    }
  }
  if (answer.content_type.empty()) answer.content_type = "text/plain; charset=utf-8";
  if (!answer.body.empty() && (answer.status == 204 || answer.status == 304)) {
    sink.error(reader.key_mark("body"), "'" + key + "' answers " + std::to_string(answer.status) +
                                            ", which carries no body; drop 'body' or use another status");
  }
  reader.finish();
}

// Names in kOverrideHeaders, in any case and with '_' or '-'.
void parse_override_headers(const YAML::Node& node, const std::string& where, std::uint8_t& allowed,
                            DiagnosticSink& sink) {
  const std::string key = where + ".allow_override_headers";
  if (!node.IsSequence()) {
    sink.error(mark_of(node), "'" + key + "' must be a list of header names, e.g. [X-HTTP-Method-Override]");
    return;
  }
  for (const auto& item : node) {
    const std::string name = item.IsScalar() ? lower(item.Scalar()) : std::string{};
    std::size_t index = 0;
    for (; index < kOverrideHeaders.size(); ++index) {
      std::string known = lower(std::string(kOverrideHeaders[index]));
      std::string folded = name;
      std::replace(folded.begin(), folded.end(), '_', '-');
      if (folded == known) break;
    }
    if (index == kOverrideHeaders.size()) {
      std::string names;
      for (auto known : kOverrideHeaders) names += (names.empty() ? "" : ", ") + std::string(known);
      sink.error(mark_of(item), "'" + key + "' lists '" + (item.IsScalar() ? item.Scalar() : "") +
                                    "', which is not one of the override headers the gateway removes (" + names + ")");
      continue;
    }
    allowed = static_cast<std::uint8_t>(allowed | (1u << index));
  }
}

// Protocol names (the part of an Upgrade token before any '/'): `upgrades: [websocket]`, or [] for none.
void parse_upgrades(const YAML::Node& node, const std::string& where, std::vector<std::string>& upgrades,
                    DiagnosticSink& sink) {
  const std::string key = where + ".upgrades";
  upgrades.clear();
  if (!node.IsSequence()) {
    sink.error(mark_of(node), "'" + key + "' must be a list of protocols, e.g. [websocket], or [] for none");
    return;
  }
  for (const auto& item : node) {
    const std::string name = item.IsScalar() ? lower(item.Scalar()) : std::string{};
    const bool token = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    });
    if (!token) {
      sink.error(mark_of(item), "'" + key + "' lists '" + (item.IsScalar() ? item.Scalar() : "") +
                                    "', which is not a protocol name like websocket");
      continue;
    }
    if (name == "h2c") {
      sink.error(mark_of(item), "'" + key + "' lists h2c: the gateway answers h2c upgrades in HTTP/1.1 and cannot tunnel them");
      continue;
    }
    upgrades.push_back(name);
  }
}

void parse_retry_budget(const YAML::Node& node, const std::string& where, RetryBudgetConfig& budget,
                        DiagnosticSink& sink) {
  budget.mark = mark_of(node);
  MapReader reader(node, where, sink);
  if (!reader.ok()) return;
  std::uint64_t value = 0;
  if (reader.read("percent", value, 0, 100)) budget.percent = static_cast<unsigned>(value);
  if (reader.read("min_retries", value, 0, 1000)) budget.min_retries = static_cast<unsigned>(value);
  reader.read_duration("window", budget.window);
  if (budget.window.count() < 1000) sink.error(reader.key_mark("window"), "'" + where + ".window' must be at least 1s");
  reader.finish();
}

void parse_route(const YAML::Node& node, std::size_t index, bool allow_anonymous, RouteConfig& route,
                 DiagnosticSink& sink) {
  std::string where = "routes[" + std::to_string(index) + "]";
  MapReader reader(node, where, sink);
  route.mark = reader.mark();
  route.require_user = !allow_anonymous;
  if (!reader.ok()) return;
  if (!reader.read("id", route.id) || route.id.empty()) {
    sink.error(reader.mark(), "'" + where + "' needs an 'id' (used by the admin API, metrics and logs)");
  } else {
    where = "routes." + route.id;
    reader.rename(where);
  }
  auto match = reader.get("match");
  if (!match.IsDefined()) sink.error(reader.mark(), "route '" + route.id + "' needs 'match', e.g. match: { prefix: / }");
  else parse_match(match, where, route.match, sink);
  reader.read("backend", route.backend);
  if (auto split = reader.get("split"); split.IsDefined()) parse_split(split, where, route, sink);
  reader.read("rollback_to", route.rollback_to);
  reader.read("fallback", route.fallback);
  std::string sticky;
  if (reader.read_enum("sticky", sticky, {"user", "cookie", "none"})) {
    route.sticky = sticky == "user" ? Sticky::user : sticky == "cookie" ? Sticky::cookie : Sticky::none;
  }
  reader.read("cohort", route.cohort);
  reader.read("require_user", route.require_user);
  if (auto answer = reader.get("return"); answer.IsDefined()) {
    parse_return(answer, where, route.answer, sink);
    if (!route.backend.empty() || !route.split.empty() || !route.rollback_to.empty() || !route.fallback.empty()) {
      sink.error(mark_of(answer), "route '" + route.id + "' has 'return' and a backend; a route answers at the edge "
                                  "(return) or sends to backends (backend, split, rollback_to, fallback), not both");
    }
  }
  if (auto allowed = reader.get("allow_override_headers"); allowed.IsDefined()) {
    parse_override_headers(allowed, where, route.allowed_overrides, sink);
  }
  if (auto upgrades = reader.get("upgrades"); upgrades.IsDefined()) parse_upgrades(upgrades, where, route.upgrades, sink);
  if (auto budget = reader.get("retry_budget"); budget.IsDefined()) {
    parse_retry_budget(budget, where + ".retry_budget", route.retry_budget, sink);
  }
  if (std::uint64_t bytes = 0; reader.read_size("request_buffer", bytes)) {
    if (bytes > kMaxRequestBuffer) {
      sink.error(reader.key_mark("request_buffer"), "'" + where + ".request_buffer' must be at most 16MiB (each buffered request holds it in memory)");
    }
    route.request_buffer = bytes;
  }
  reader.finish();
}

}  // namespace

void parse_routes(const YAML::Node& node, bool allow_anonymous, std::vector<RouteConfig>& routes,
                  DiagnosticSink& sink) {
  if (!node.IsSequence() || node.size() == 0) {
    sink.error(mark_of(node), "'routes' must be a non-empty list of routes");
    return;
  }
  std::size_t index = 0;
  for (const auto& item : node) {
    RouteConfig route;
    parse_route(item, index++, allow_anonymous, route, sink);
    routes.push_back(std::move(route));
  }
}

}  // namespace cutover::config
