#include "support/curl.hpp"

#include "support/process.hpp"

namespace cutover::test {

CurlResult run_curl(std::vector<std::string> args, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{kCurlPath};
  argv.reserve(args.size() + 1);
  for (auto& arg : args) argv.push_back(std::move(arg));
  Process p(std::move(argv));
  CurlResult result;
  result.exit_code = p.wait_exit(timeout).value_or(-1);
  result.out = p.output(Process::Stream::kStdout);
  result.err = p.output(Process::Stream::kStderr);
  return result;  // a curl still running is killed by ~Process
}

}  // namespace cutover::test
