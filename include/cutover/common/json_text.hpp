#pragma once
// Minimal JSON string escaping for hot-path output (access log lines, local replies), where
// building an nlohmann::json object per request would cost allocations we don't need.
#include <string>
#include <string_view>

namespace cutover {

// Appends `text` as a JSON string literal (with quotes) to `out`. Control characters and
// invalid UTF-8 bytes are escaped as \u00XX so a hostile path can never break a log line.
void append_json_string(std::string& out, std::string_view text);

}  // namespace cutover
