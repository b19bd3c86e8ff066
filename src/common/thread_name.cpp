#include "cutover/common/thread_name.hpp"

#include <pthread.h>

namespace cutover {

void name_thread(std::thread& thread, const std::string& name) noexcept {
  constexpr std::size_t kMaxName = 15;  // TASK_COMM_LEN, less the terminating NUL
  const std::string kept = name.substr(0, kMaxName);
  pthread_setname_np(thread.native_handle(), kept.c_str());
}

}  // namespace cutover
