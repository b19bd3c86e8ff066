#include "cutover/common/open_files.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace cutover {

std::uint64_t wanted_open_files(OpenFilesLimit current) { return std::max(current.soft, current.hard); }

OpenFilesLimit raise_open_files_limit() noexcept {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
  const OpenFilesLimit before{limit.rlim_cur, limit.rlim_max};
  const auto wanted = static_cast<rlim_t>(wanted_open_files(before));
  if (wanted != limit.rlim_cur) {
    rlimit raised = limit;
    raised.rlim_cur = wanted;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) return {raised.rlim_cur, raised.rlim_max};
  }
  return before;
}

}  // namespace cutover
