#pragma once
// Builds Beast message heads from literal (name, value) lists, and reads a head that was written
// as text (append_upstream_request_head, append_client_response_head) back into its start line
// and its fields in order, so a test can state the exact headers it expects after a rewrite.
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/message.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cutover/http/headers.hpp"

namespace cutover::http::test {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// A request head as a parser would leave it: the method's spelling, the target, the version and
// the fields in the order given, names spelled as given.
inline boost::beast::http::request_header<> make_request(const HeaderList& headers, std::string_view method = "GET",
                                                          std::string_view target = "/", unsigned version = 11) {
  boost::beast::http::request_header<> request;
  request.method_string(method);
  request.target(target);
  request.version(version);
  for (const auto& [name, value] : headers) request.insert(name, value);
  return request;
}

// A response head; an empty `reason` leaves Beast's standard one for `status`.
inline boost::beast::http::response_header<> make_response(const HeaderList& headers, unsigned status = 200,
                                                            unsigned version = 11, std::string_view reason = {}) {
  boost::beast::http::response_header<> response;
  response.result(status);
  response.version(version);
  if (!reason.empty()) response.reason(reason);
  for (const auto& [name, value] : headers) response.insert(name, value);
  return response;
}

// A head read back from its text. Field lines are split at the first ':' and exactly one space
// is expected after it (that is how the gateway writes them); the value is kept as written.
struct Head {
  std::string start_line;
  HeaderList fields;
  // Every line ends with CRLF, every field line is "name: value", and the text ends with exactly
  // one blank line, with nothing after it.
  bool well_formed = false;
};

inline Head parse_head(std::string_view text) {
  Head head;
  auto next_line = [&text](std::string_view& line) {
    auto end = text.find("\r\n");
    if (end == std::string_view::npos) return false;
    line = text.substr(0, end);
    text.remove_prefix(end + 2);
    return true;
  };
  std::string_view line;
  if (!next_line(line) || line.empty()) return head;
  head.start_line = line;
  while (next_line(line)) {
    if (line.empty()) {
      head.well_formed = text.empty();
      return head;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 >= line.size() || line[colon + 1] != ' ') {
      return head;
    }
    head.fields.emplace_back(line.substr(0, colon), line.substr(colon + 2));
  }
  return head;  // no blank line
}

// All values of `name` (case-insensitive), in order.
inline std::vector<std::string> values_of(const HeaderList& fields, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [field, value] : fields) {
    if (boost::beast::iequals(field, name)) out.push_back(value);
  }
  return out;
}

// The rewrite most tests start from: target "/", request id "req-1", the default policy (identity
// header X-User-Id, namespace X-Cutover-, forwarding headers not trusted), a client at 10.0.0.1
// over http.
inline UpstreamRequestHead typical_rewrite() {
  UpstreamRequestHead rewrite;
  rewrite.target = "/";
  rewrite.request_id = "req-1";
  rewrite.forwarded = {"10.0.0.1", "http"};
  return rewrite;
}

}  // namespace cutover::http::test
