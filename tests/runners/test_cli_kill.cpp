// Issue 22, part 1: killing sigctx, even with SIGKILL that no handler sees, leaves nothing of
// it running. Each descendant is found by its command line in /proc.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace sigctx {
namespace {

const std::string kSigctx = std::string(SIGCTX_BINARY_DIR) + "/sigctx";

pid_t start(const std::vector<std::string>& argv) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

// Live processes (zombies aside) whose command line contains `needle`.
std::vector<pid_t> processes_mentioning(const std::string& needle) {
  std::vector<pid_t> found;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream status(e.path() / "status");
    std::string line;
    bool zombie = false;
    while (std::getline(status, line))
      if (line.rfind("State:", 0) == 0) zombie = line.find('Z') != std::string::npos;
    if (zombie) continue;
    std::ifstream in(e.path() / "cmdline");
    std::stringstream s;
    s << in.rdbuf();
    if (s.str().find(needle) != std::string::npos) found.push_back(std::stoi(name));
  }
  return found;
}

bool wait_for(const std::function<bool()>& done, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

// soak's iteration is a `sigctx run` of its own, with its cases below it: all must go when soak
// is killed, though soak can neither catch SIGKILL nor signal them.
TEST(Kill, ASoakKilledLeavesNoIterationOrCaseRunning) {
  const std::string dir =
      ::testing::TempDir() + "/sigctx-kill-" + std::to_string(getpid()) + "/soak";
  const std::string mark = dir + "/.iteration";
  // An iteration of 100,000 runs of one case lasts minutes: without the fix it outlives the
  // window below by far.
  const pid_t soak =
      start({kSigctx, "soak", "--out", dir, "--cases", "signal/sync/gpr", "--repeat", "100000"});
  ASSERT_GT(soak, 0);
  ASSERT_TRUE(wait_for([&] { return !processes_mentioning(mark).empty(); }, 20))
      << "the first iteration never started";
  kill(soak, SIGKILL);
  waitpid(soak, nullptr, 0);
  const bool gone = wait_for([&] { return processes_mentioning(mark).empty(); }, 10);
  const std::vector<pid_t> left = processes_mentioning(mark);
  std::string which;
  for (pid_t p : left) {
    std::ifstream status("/proc/" + std::to_string(p) + "/status");
    std::string line;
    while (std::getline(status, line))
      if (line.rfind("State:", 0) == 0 || line.rfind("PPid:", 0) == 0) which += " " + line;
    which += fmt::format(" (pid {});", p);
    kill(p, SIGKILL);
  }
  EXPECT_TRUE(gone) << left.size() << " processes of the killed soak kept running:" << which;
  std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
}

}  // namespace
}  // namespace sigctx
