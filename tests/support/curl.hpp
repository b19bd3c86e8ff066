// Real curl for tests that want a second, independent HTTP implementation on the wire.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace cutover::test {

struct CurlResult {
  int exit_code = -1;  // curl's exit code; -1 if it was killed at the deadline
  std::string out{};
  std::string err{};
};

inline constexpr const char* kCurlPath = "/usr/bin/curl";

// Runs /usr/bin/curl with `args` verbatim (add -sS, --max-time, -w ... as needed). stdout and
// stderr are captured to files, so large outputs cannot block it.
CurlResult run_curl(std::vector<std::string> args, std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace cutover::test
