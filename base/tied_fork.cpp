#include "base/tied_fork.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "base/resource_limits.h"

namespace sigctx {

bool tie_to_parent(pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  return getppid() == parent;
}

pid_t fork_tied_to_parent() {
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0 && !tie_to_parent(parent)) _exit(1);
  if (pid < 0) note_resource_failure("a process (fork)", errno);
  return pid;
}

}  // namespace sigctx
