#include "http/request_checks.hpp"

#include <boost/beast/core/string.hpp>

#include "cutover/http/header_policy.hpp"
#include "cutover/http/host.hpp"
#include "cutover/routing/path.hpp"

namespace cutover::http {
namespace {

namespace bhttp = boost::beast::http;
using boost::beast::iequals;
using metrics::LocalReason;

std::optional<Refusal> check_framing(const ParsedRequest& request) {
  const auto codings = request.count(bhttp::field::transfer_encoding);
  if (codings > 0 && request.version() < 11) {
    return Refusal{LocalReason::bad_request, "Transfer-Encoding is not allowed in an HTTP/1.0 request"};
  }
  // Smuggling shapes the parser lets through: `chunked` alone is the only transfer coding
  // forwarded (RFC 9112 6.3: a request whose final coding is not chunked is invalid).
  if (codings > 1 || (codings == 1 && !iequals(request[bhttp::field::transfer_encoding], "chunked"))) {
    return Refusal{LocalReason::bad_request, "only 'Transfer-Encoding: chunked' is accepted in requests"};
  }
  return std::nullopt;
}

struct SplitTarget {
  std::string_view path;       // up to the query
  std::string_view query;      // "?..." or ""
  std::string_view scheme;     // absolute form only
  std::string_view authority;  // absolute form only
  bool path_is_root = false;   // an absolute URL without a path
};

std::optional<SplitTarget> split_target(std::string_view target) {
  SplitTarget split;
  if (!target.starts_with('/')) {
    const auto scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    split.scheme = target.substr(0, scheme_end);
    if (!iequals(split.scheme, "http") && !iequals(split.scheme, "https")) return std::nullopt;
    target.remove_prefix(scheme_end + 3);
    const auto authority_end = std::min(target.find_first_of("/?#"), target.size());
    split.authority = target.substr(0, authority_end);
    target.remove_prefix(authority_end);
    // RFC 9110 4.2.3: an empty path in an http(s) URL is "/".
    if (target.empty() || target.front() == '?') split.path_is_root = true;
  }
  const auto query_at = std::min(target.find('?'), target.size());
  split.path = split.path_is_root ? std::string_view("/") : target.substr(0, query_at);
  split.query = target.substr(query_at);
  return split;
}

std::optional<Refusal> check_host(const ParsedRequest& request, const SplitTarget& target, std::string_view& host_out) {
  const auto hosts = request.count(bhttp::field::host);
  if (hosts > 1) return Refusal{LocalReason::bad_host, "the request has more than one Host header"};
  if (hosts == 0 && request.version() >= 11) {
    return Refusal{LocalReason::bad_host, "an HTTP/1.1 request needs a Host header"};
  }
  std::optional<RequestHost> host;
  if (hosts == 1) {
    host_out = request[bhttp::field::host];
    host = parse_request_host(host_out);
    if (!host) {
      return Refusal{LocalReason::bad_host, "the Host header is not a valid host[:port]: '" +
                                                std::string(request[bhttp::field::host]) + "'"};
    }
  }
  if (!target.scheme.empty()) {
    const auto authority = parse_request_host(target.authority);
    if (!authority) {
      return Refusal{LocalReason::bad_host, "the request URL's authority is not a valid host[:port]: '" +
                                                std::string(target.authority) + "'"};
    }
    if (host && !same_origin(*host, *authority, target.scheme)) {
      return Refusal{LocalReason::bad_host, "the request URL names '" + std::string(target.authority) +
                                                "' but the Host header names '" +
                                                std::string(request[bhttp::field::host]) + "'"};
    }
    if (!host) host_out = target.authority;
  }
  return std::nullopt;
}

std::optional<Refusal> check_header_names(const ParsedRequest& request, const config::Config& config) {
  if (config.headers_with_underscores != config::UnderscoreHeaders::reject) return std::nullopt;
  const HeaderPolicy policy = header_policy(config);
  for (const auto& field : request) {
    if (judge_client_header(field.name_string(), policy) == HeaderVerdict::underscore) {
      return Refusal{LocalReason::bad_header, "the header '" + std::string(field.name_string()) +
                                                  "' has '_' in its name, which backends read as '-' "
                                                  "(headers_with_underscores: reject)"};
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Refusal> admit_request(const ParsedRequest& request, const config::Config& config,
                                     AdmittedTarget& out) {
  if (auto refusal = check_framing(request)) return refusal;
  const auto target = split_target(request.target());
  if (!target) {
    return Refusal{LocalReason::bad_request,
                   "the request target must be a path starting with '/' (or an absolute http:// URL)"};
  }
  if (auto refusal = check_host(request, *target, out.host)) return refusal;
  routing::PathProblem problem = routing::PathProblem::none;
  auto path = routing::normalize_request_path(target->path, config.paths, problem);
  if (!path) return Refusal{LocalReason::invalid_path, std::string(routing::describe(problem))};
  out.path = std::move(*path);
  if (out.path.find(';') != std::string::npos || out.path.find("%3B") != std::string::npos) {
    out.match_path = routing::match_path(out.path);
  }
  out.query = target->query;
  return check_header_names(request, config);
}

}  // namespace cutover::http
