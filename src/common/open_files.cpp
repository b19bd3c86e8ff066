#include "cutover/common/open_files.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace cutover {

std::uint64_t wanted_open_files(OpenFilesLimit current) { return std::max(current.soft, current.hard); }

std::uint64_t traffic_descriptor_ceiling(std::uint64_t soft_limit) {
  return soft_limit - std::min(kDescriptorReserve, soft_limit / 4);
}

std::optional<OpenFilesLimit> open_files_limit() noexcept {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::nullopt;
  return OpenFilesLimit{limit.rlim_cur, limit.rlim_max};
}

std::optional<OpenFilesLimit> raise_open_files_limit() noexcept {
  const auto before = open_files_limit();
  if (!before) return std::nullopt;
  const auto wanted = wanted_open_files(*before);
  if (wanted != before->soft) {
    const rlimit raised{static_cast<rlim_t>(wanted), static_cast<rlim_t>(before->hard)};
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) return OpenFilesLimit{wanted, before->hard};
  }
  return before;
}

}  // namespace cutover
