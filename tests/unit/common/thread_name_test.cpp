// Thread names as the kernel reports them (/proc/self/task/TID/comm), which is what top and ps show.
#include "cutover/common/thread_name.hpp"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

namespace cutover {
namespace {

std::string name_the_kernel_reports(pid_t tid) {
  std::ifstream comm("/proc/self/task/" + std::to_string(tid) + "/comm");
  std::string name;
  std::getline(comm, name);
  return name;
}

std::string name_of_a_thread_named(const std::string& name) {
  std::string reported;
  std::thread thread([&] {
    name_this_thread(name);
    reported = name_the_kernel_reports(static_cast<pid_t>(::syscall(SYS_gettid)));
  });
  thread.join();
  return reported;
}

TEST(ThreadName, TheKernelReportsTheName) { EXPECT_EQ(name_of_a_thread_named("worker-3"), "worker-3"); }

TEST(ThreadName, ALongNameIsCutRatherThanRefused) {
  // pthread_setname_np refuses names over 15 bytes (ERANGE) and would leave the old name.
  EXPECT_EQ(name_of_a_thread_named("access-log-writer-thread"), "access-log-writ");
}

}  // namespace
}  // namespace cutover
