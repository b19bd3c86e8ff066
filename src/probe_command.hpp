#pragma once
#include <chrono>
#include <ostream>
#include <string>

namespace cutover {
// `cutover probe URL`: one GET, for container health checks in images without curl. Exit 0 when
// the answer is 2xx (its body printed to `out`), 1 otherwise with the reason on `err`.
int run_probe(const std::string& url, std::chrono::milliseconds timeout, std::ostream& out, std::ostream& err);
}  // namespace cutover
