#pragma once
// The limit on open files caps client connections: each proxied one holds two descriptors (the
// client's and a pooled upstream connection's). Services start with a soft limit of 1,024 under
// systemd, which would stop a gateway at ~500 connections with "Too many open files"; the hard
// limit (524,288 there) is what an administrator granted. Like nginx's worker_rlimit_nofile and
// Go's runtime, the gateway raises its soft limit to the hard one at start-up.
#include <cstdint>
#include <optional>

namespace cutover {

struct OpenFilesLimit {
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;
};

// The soft limit to ask for: the hard one (never lower than the soft one already in force).
std::uint64_t wanted_open_files(OpenFilesLimit current);

// Below this many descriptors, start-up warns: fewer than ~2,000 client connections fit.
inline constexpr std::uint64_t kFewOpenFiles = 4096;

// Descriptors kept free of traffic (client connections and their backend connections), so that
// at the limit the admin API still answers and a rollback can still write the state file.
inline constexpr std::uint64_t kDescriptorReserve = 64;

// The lowest descriptor number traffic may not hold under `soft_limit`: the kernel hands out the
// lowest free number, so a socket numbered this or higher means that many are open. A quarter of
// a very low limit is kept instead of kDescriptorReserve.
std::uint64_t traffic_descriptor_ceiling(std::uint64_t soft_limit);

// The limits in force; nullopt when they cannot be read.
std::optional<OpenFilesLimit> open_files_limit() noexcept;

// Raises the process's soft limit as far as it may go; returns the limits in force afterwards
// (unchanged when the kernel refuses; nullopt when they cannot be read). First thing at start-up,
// before the config, the listeners and the access log take descriptors.
std::optional<OpenFilesLimit> raise_open_files_limit() noexcept;

}  // namespace cutover
