// Thread names as the kernel reports them (/proc/self/task/TID/comm), which is what top and ps show.
#include "cutover/common/thread_name.hpp"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <future>
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

// Named by its creator, as the gateway names its threads, and read back by the thread itself.
std::string name_of_a_thread_named(const std::string& name) {
  std::string reported;
  std::promise<void> named;
  std::thread thread([&, wait = named.get_future()]() mutable {
    wait.wait();
    reported = name_the_kernel_reports(static_cast<pid_t>(::syscall(SYS_gettid)));
  });
  name_thread(thread, name);
  named.set_value();
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
