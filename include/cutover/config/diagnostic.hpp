#pragma once
// A config problem located in its source file, printed as `file:line:col: message`.
#include <stdexcept>
#include <string>
#include <vector>

namespace cutover::config {

// 1-based position in the YAML source; 0 means "whole file".
struct Mark {
  int line = 0;
  int column = 0;
};

enum class Severity { error, warning };

struct Diagnostic {
  Severity severity = Severity::error;
  std::string file;
  Mark mark;
  std::string message;

  std::string to_string() const;  // "file:line:col: error: message"
};

// Thrown by the control path (load, validate, build snapshot) and caught in exactly two places:
// start-up and reload. Carries every error found, not just the first.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// Collects diagnostics while a config is parsed and compiled.
class DiagnosticSink {
 public:
  explicit DiagnosticSink(std::string file) : file_(std::move(file)) {}
  void error(Mark at, std::string message);
  void warning(Mark at, std::string message);
  bool has_errors() const;
  const std::vector<Diagnostic>& all() const { return diagnostics_; }
  const std::string& file() const { return file_; }
  // Throws ConfigError with everything collected when any error was reported.
  void throw_if_errors() const;

 private:
  std::string file_;
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace cutover::config
