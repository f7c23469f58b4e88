// Registered paths go when their process and its forked descendants have ended, however: a
// SIGKILL included. Unregistered ones stay, and remove_now() cancels a registration.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "base/exit_cleanup.h"
#include "tests/support/processes.h"

namespace sigctx {
namespace {

namespace fs = std::filesystem;

std::string fresh_dir(const std::string& name) {
  const std::string d =
      ::testing::TempDir() + "/exit-cleanup-" + std::to_string(getpid()) + "/" + name;
  fs::remove_all(d);
  fs::create_directories(d + "/inner");
  std::ofstream(d + "/inner/file") << "x";
  return d;
}

// A child registers `registered` (and not `unregistered`), forks a sleeping grandchild that
// shares its guardian, and is SIGKILLed. Returns the child's guardian pid.
pid_t kill_a_registering_child(const std::string& registered, bool keep_grandchild_alive,
                               pid_t* grandchild_out) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  const pid_t child = fork();
  if (child == 0) {
    if (!remove_at_exit(registered)) _exit(3);
    const pid_t grandchild = fork();
    if (grandchild == 0) {
      usleep(keep_grandchild_alive ? 800000 : 0);
      _exit(0);
    }
    const pid_t ids[2] = {exit_cleanup_guardian(), grandchild};
    (void)!write(fds[1], ids, sizeof(ids));
    pause();
    _exit(0);
  }
  close(fds[1]);
  pid_t ids[2] = {-1, -1};
  const bool got = read(fds[0], ids, sizeof(ids)) == sizeof(ids);
  close(fds[0]);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  *grandchild_out = ids[1];
  return got ? ids[0] : -1;
}

TEST(ExitCleanup, ARegisteredDirectoryGoesWhenItsProcessIsKilled) {
  const std::string reg = fresh_dir("registered"), other = fresh_dir("unregistered");
  pid_t grandchild = -1;
  ASSERT_GT(kill_a_registering_child(reg, false, &grandchild), 0);
  EXPECT_TRUE(test::wait_for([&] { return !fs::exists(reg); }, 5)) << reg << " is still there";
  EXPECT_TRUE(fs::exists(other + "/inner/file")) << "an unregistered path was removed";
  fs::remove_all(fs::path(reg).parent_path());
}

TEST(ExitCleanup, ADirectoryStaysWhileAForkedDescendantLives) {
  // A core case's crashing child, or a case's grandchild, may still write into it.
  const std::string reg = fresh_dir("shared");
  pid_t grandchild = -1;
  ASSERT_GT(kill_a_registering_child(reg, true, &grandchild), 0);
  usleep(300000);
  EXPECT_TRUE(fs::exists(reg)) << "removed while a descendant that shares it still ran";
  EXPECT_TRUE(test::wait_for([&] { return !fs::exists(reg); }, 5)) << reg << " is still there";
  fs::remove_all(fs::path(reg).parent_path());
}

TEST(ExitCleanup, RemoveNowCancelsTheRegistration) {
  const std::string reg = fresh_dir("cancelled");
  const pid_t child = fork();
  if (child == 0) {
    if (!remove_at_exit(reg)) _exit(3);
    remove_now(reg);
    fs::create_directories(reg);  // made again by someone else: not the guardian's to remove
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  usleep(300000);
  EXPECT_TRUE(fs::exists(reg));
  fs::remove_all(fs::path(reg).parent_path());
}

TEST(ExitCleanup, APathLongerThanOnePipeWriteIsRefused) {
  EXPECT_FALSE(remove_at_exit("/" + std::string(5000, 'a')));
}

}  // namespace
}  // namespace sigctx
