#pragma once
// Names for the gateway's threads, so `top -H`, `ps -L` and `perf` tell a worker from the
// access-log writer (docs/runbook.md). Linux keeps at most 15 bytes of a name.
#include <string>

namespace cutover {

// Names the calling thread; a longer name is cut to 15 bytes. Failure is ignored: a name is a
// convenience, never a reason to stop.
void name_this_thread(const std::string& name) noexcept;

}  // namespace cutover
