#pragma once
// Names for the gateway's threads, so `top -H`, `ps -L` and `perf` tell a worker from the
// access-log writer (docs/runbook.md). Linux keeps at most 15 bytes of a name.
#include <string>
#include <thread>

namespace cutover {

// Names `thread` (by its creator, right after creating it: the name is in place before anything
// that follows, such as the ready line, whether or not the thread has run yet). A longer name is
// cut to 15 bytes. Failure is ignored: a name is a convenience, never a reason to stop.
void name_thread(std::thread& thread, const std::string& name) noexcept;

}  // namespace cutover
