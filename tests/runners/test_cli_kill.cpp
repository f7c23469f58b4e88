// Issue 22, part 1: killing sigctx, by SIGINT, SIGTERM or a SIGKILL that no handler sees, leaves
// nothing of it running and no temporary directory. Each descendant is found by its command
// line in /proc; temporary directories are made under a TMPDIR of the test's own.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/processes.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/spawn.h"

namespace sigctx {
namespace {

namespace fs = std::filesystem;

const std::string kSigctx = std::string(SIGCTX_BINARY_DIR) + "/sigctx";

// Kills `pid` with `sig`, then expects every process mentioning `needle` gone within 10 s.
void kill_and_expect_nothing_left(pid_t pid, int sig, const std::string& needle) {
  const std::string left = test::kill_and_find_leftovers(pid, sig, needle);
  EXPECT_EQ(left, "") << "the killed sigctx left " << left;
}

// soak's iteration is a `sigctx run` of its own, with its cases below it: all must go when soak
// is killed, though soak can neither catch SIGKILL nor signal them.
TEST(Kill, ASoakKilledLeavesNoIterationOrCaseRunning) {
  const test::ScratchDir scratch("sigctx-kill-soak");
  const std::string dir = scratch.path("out");
  const std::string mark = dir + "/.iteration";
  // An iteration of 100,000 runs of one case lasts minutes: without the fix it outlives the
  // window below by far.
  const pid_t soak = test::start_process(
      {kSigctx, "soak", "--out", dir, "--cases", "signal/sync/gpr", "--repeat", "100000"});
  ASSERT_GT(soak, 0);
  ASSERT_TRUE(test::wait_for([&] { return !test::processes_mentioning(mark).empty(); }, 20))
      << "the first iteration never started";
  kill_and_expect_nothing_left(soak, SIGKILL, mark);
}

class KillRun : public ::testing::TestWithParam<int> {};

// A case's own children: alloc's churner runs until its case stops it, so it outlives a killed
// run unless it dies with its parent. (Tracees, core's crashing child and badframe's deliverers
// end by themselves, too soon for a test to see them outlive their case.)
TEST_P(KillRun, LeavesNoCaseAndNoGrandchild) {
  const int sig = GetParam();
  const test::ScratchDir scratch(std::string("sigctx-kill-grandchild-") + sigabbrev_np(sig));
  const std::string& dir = scratch.dir();
  const std::string json = dir + "/result.json", console = dir + "/console.txt";
  const pid_t run = test::start_process({kSigctx, "run", "--jobs", "2", "--repeat", "1000",
                                         "--cases", "alloc/os-zero/mmap", "--json", json},
                                        {}, console);
  ASSERT_GT(run, 0);
  // A grandchild of run (the probes' children are gone once the cases start).
  auto grandchildren = [&] {
    std::vector<pid_t> found;
    for (pid_t p : test::processes_mentioning(json))
      if (p != run && test::parent_of(p) != run) found.push_back(p);
    return found;
  };
  ASSERT_TRUE(test::wait_for(
      [&] { return test::read_file(console).find("alloc/os-zero/mmap") != std::string::npos; }, 30))
      << "no case finished";
  ASSERT_TRUE(test::wait_for([&] { return !grandchildren().empty(); }, 10)) << "no churner seen";
  kill_and_expect_nothing_left(run, sig, json);
  EXPECT_FALSE(fs::exists(json)) << "a killed run wrote a result file";
}

// A core case's dump directory, in TMPDIR while the case runs: gone however run ends.
TEST_P(KillRun, LeavesNoTemporaryDirectory) {
  const int sig = GetParam();
  const test::ScratchDir scratch(std::string("sigctx-kill-tmpdir-") + sigabbrev_np(sig));
  const std::string& dir = scratch.dir();
  fs::create_directories(dir + "/tmp");
  const std::string json = dir + "/result.json";
  const pid_t run =
      test::start_process({kSigctx, "run", "--jobs", "2", "--repeat", "1000", "--cases", "core/all",
                           "--cases", "core/gpr", "--json", json},
                          {"TMPDIR=" + dir + "/tmp"});
  ASSERT_GT(run, 0);
  if (!test::wait_for([&] { return !test::directory_entries(dir + "/tmp").empty(); }, 30)) {
    kill(run, SIGKILL);
    waitpid(run, nullptr, 0);
    GTEST_SKIP() << "no core case made its directory here (core dumps unusable?)";
  }
  kill_and_expect_nothing_left(run, sig, json);
  EXPECT_TRUE(test::wait_for([&] { return test::directory_entries(dir + "/tmp").empty(); }, 5))
      << "left in TMPDIR: " << testing::PrintToString(test::directory_entries(dir + "/tmp"));
}

INSTANTIATE_TEST_SUITE_P(Signals, KillRun, ::testing::Values(SIGINT, SIGTERM, SIGKILL),
                         [](const ::testing::TestParamInfo<int>& i) {
                           return std::string(sigabbrev_np(i.param));
                         });

}  // namespace
}  // namespace sigctx
