// A resource failure is named with the limits that bear on it; other errors are not resource
// failures.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/resource_limits.h"

namespace sigctx {
namespace {

// Runs fn in a child (the failure is noted once per process) and returns what it reports.
template <typename F>
std::string in_child(F fn) {
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const std::string s = fn();
    (void)!write(fds[1], s.data(), s.size());
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;)
    out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return out;
}

TEST(ResourceLimits, AFailedForkNamesTheCallAndTheProcessLimit) {
  const std::string s = in_child([] {
    rlimit lim{4, 4};
    setrlimit(RLIMIT_NPROC, &lim);
    note_resource_failure("a process (fork)", EAGAIN);
    note_resource_failure("a thread", ENOMEM);  // only the first is kept
    return resource_failure();
  });
  EXPECT_EQ(s.rfind("cannot create a process (fork): Resource temporarily unavailable (", 0), 0u)
      << s;
  EXPECT_NE(s.find("ulimit -u 4 (processes)"), std::string::npos) << s;
}

TEST(ResourceLimits, AnErrorThatIsNoResourceIsNotNoted) {
  EXPECT_EQ(in_child([] {
              note_resource_failure("fork", EPERM);
              return resource_failure();
            }),
            "");
  EXPECT_TRUE(is_resource_errno(EMFILE));
  EXPECT_FALSE(is_resource_errno(EINVAL));
}

}  // namespace
}  // namespace sigctx
