#pragma once
#include <ostream>
#include <string>

namespace cutover {
// `cutover check FILE`: 0 when valid (prints a summary), 1 with every error as file:line:col.
int run_check(const std::string& path, std::ostream& out);
}  // namespace cutover
