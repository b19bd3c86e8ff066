#include "cutover/config/diagnostic.hpp"

#include <algorithm>

namespace cutover::config {

std::string Diagnostic::to_string() const {
  std::string out = file;
  if (mark.line > 0) {
    out += ":" + std::to_string(mark.line) + ":" + std::to_string(std::max(mark.column, 1));
  }
  out += severity == Severity::error ? ": error: " : ": warning: ";
  out += message;
  return out;
}

namespace {
std::string summarize(const std::vector<Diagnostic>& diagnostics) {
  std::string text;
  for (const auto& d : diagnostics) {
    if (d.severity != Severity::error) continue;
    if (!text.empty()) text += "\n";
    text += d.to_string();
  }
  return text.empty() ? "invalid configuration" : text;
}
}  // namespace

ConfigError::ConfigError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(summarize(diagnostics)), diagnostics_(std::move(diagnostics)) {}

void DiagnosticSink::error(Mark at, std::string message) {
  diagnostics_.push_back({Severity::error, file_, at, std::move(message)});
}

void DiagnosticSink::warning(Mark at, std::string message) {
  diagnostics_.push_back({Severity::warning, file_, at, std::move(message)});
}

bool DiagnosticSink::has_errors() const {
  return std::any_of(diagnostics_.begin(), diagnostics_.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::error; });
}

void DiagnosticSink::throw_if_errors() const {
  if (has_errors()) throw ConfigError(diagnostics_);
}

}  // namespace cutover::config
