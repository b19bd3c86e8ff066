#pragma once
#include <boost/beast/core/flat_buffer.hpp>

namespace cutover {

// The buffer every socket read of the data path goes into. Its blocks come from the process
// allocator (mimalloc), whose per-thread free lists hand a freed 1 KiB block to the next read.
using ReadBuffer = boost::beast::flat_buffer;

}  // namespace cutover
