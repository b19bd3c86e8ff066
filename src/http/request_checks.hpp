#pragma once
// What a request head must pass before anything routes on it or repeats it to a backend: its
// framing, its target, its Host and its header names. Pure: the exchange turns a refusal into its
// local reply (docs/security.md lists each rule and the backend behaviour it guards against).
#include <optional>
#include <string>
#include <string_view>

#include "cutover/config/config.hpp"
#include "cutover/http/message_parser.hpp"
#include "cutover/metrics/registry.hpp"

namespace cutover::http {

struct AdmittedTarget {
  std::string path;        // normalized (routing/path.hpp): what the backend gets
  std::string match_path;  // what routes match when it differs from `path` (';' parameters left out), else ""
  std::string_view query;  // "?..." as received, or ""
  std::string_view host;   // validated, as sent (Host, or an absolute URL's authority); "" for none
};

struct Refusal {
  metrics::LocalReason reason;
  std::string message;
};

// The request's target and Host as routing reads them, or why the request is refused:
// - bad_request: Transfer-Encoding on HTTP/1.0 (RFC 9112 6.1), more than one or other than
//   `chunked`; a target neither a path nor an absolute http(s) URL;
// - bad_host: Host missing (HTTP/1.1), repeated or invalid (http/host.hpp), or an absolute URL
//   whose authority names another origin than Host (RFC 9112 3.2.2 lets the URL win; a backend
//   reading Host would then see a different site than the gateway routed);
// - invalid_path: routing::normalize_request_path refused the path under `config.paths`;
// - bad_header: a header name with '_' under headers_with_underscores: reject.
std::optional<Refusal> admit_request(const ParsedRequest& request, const config::Config& config,
                                     AdmittedTarget& out);

}  // namespace cutover::http
