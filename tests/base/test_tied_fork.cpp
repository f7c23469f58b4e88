// A grandchild forked with fork_tied_to_parent() dies with its parent, even by SIGKILL; one
// forked plainly does not (which shows the test can fail).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "base/tied_fork.h"
#include "tests/support/processes.h"

namespace sigctx {
namespace {

// Forks a middle process that forks a sleeping grandchild (tied or not) and reports its pid
// through a pipe; SIGKILLs the middle; whether the grandchild is still alive 2 s later.
bool grandchild_outlives_its_killed_parent(bool tied) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  const pid_t middle = fork();
  if (middle == 0) {
    const pid_t grandchild = tied ? fork_tied_to_parent() : fork();
    if (grandchild == 0) {
      for (int i = 0; i < 100; ++i)  // 10 s at most, whatever happens to the test
        usleep(100000);
      _exit(0);
    }
    (void)!write(fds[1], &grandchild, sizeof(grandchild));
    pause();
    _exit(0);
  }
  close(fds[1]);
  pid_t grandchild = -1;
  const bool got = read(fds[0], &grandchild, sizeof(grandchild)) == sizeof(grandchild);
  close(fds[0]);
  kill(middle, SIGKILL);
  waitpid(middle, nullptr, 0);
  if (!got || grandchild <= 0) return false;
  const bool gone = test::wait_for([&] { return !test::is_live(grandchild); }, 2);
  if (!gone) kill(grandchild, SIGKILL);
  return !gone;
}

TEST(TiedFork, AGrandchildDiesWithItsKilledParent) {
  EXPECT_FALSE(grandchild_outlives_its_killed_parent(true));
}

TEST(TiedFork, APlainForksGrandchildOutlivesItsParentWhichIsWhatTheTieFixes) {
  EXPECT_TRUE(grandchild_outlives_its_killed_parent(false));
}

TEST(TiedFork, AChildWhoseParentIsAlreadyGoneEndsAtOnce) {
  // The tie asked after the parent ended cannot see it end: the child must notice and leave.
  const pid_t child = fork();
  if (child == 0) {
    const bool wrong = tie_to_parent(getpid());  // no process is its own parent
    const bool right = tie_to_parent(getppid());
    _exit(!wrong && right ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
}  // namespace sigctx
