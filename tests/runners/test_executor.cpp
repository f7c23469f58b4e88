// The forked executor: a case that crashes, hangs, throws or prints is contained and reported,
// and results come back in job order whatever order children finish in.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "runners/executor.h"
#include "tests/support/machines.h"
#include "xstate/component_registry.h"

namespace sigctx {
namespace {

TEST(Executor, CrashIsAnErrorNamingTheSignal) {
  CaseResult r = run_forked([](CaseResult&) { raise(SIGSEGV); }, 10);
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_EQ(r.reason, "killed by SIGSEGV (Segmentation fault)");
}

TEST(Executor, HangIsKilledAtTheTimeout) {
  const auto start = std::chrono::steady_clock::now();
  CaseResult r = run_forked(
      [](CaseResult&) {
        for (;;)
          pause();
      },
      0.3);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_EQ(r.reason, "timed out after 0.3 s");
  EXPECT_LT(s, 10.0);
}

TEST(Executor, GrandchildrenDieWithTheTimedOutCase) {
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  CaseResult r = run_forked(
      [&](CaseResult&) {
        if (fork() == 0) {
          const pid_t me = getpid();
          (void)!write(pipefd[1], &me, sizeof me);
          for (;;)
            pause();
        }
        for (;;)
          pause();
      },
      0.3);
  pid_t grandchild = 0;
  ASSERT_EQ(read(pipefd[0], &grandchild, sizeof grandchild),
            static_cast<ssize_t>(sizeof grandchild));
  EXPECT_EQ(r.status, Status::kError);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = kill(grandchild, 0) != 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(gone) << "the case's process group was not killed";
}

// A case whose runner is killed (SIGKILL leaves it no time to clean up) dies with it: one
// livelocked in its handler once spun on for an hour after its test was killed.
TEST(Executor, ACaseDiesWithItsRunner) {
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  const pid_t runner = fork();
  ASSERT_GE(runner, 0);
  if (runner == 0) {
    run_forked(
        [&](CaseResult&) {
          const pid_t me = getpid();
          (void)!write(pipefd[1], &me, sizeof me);
          for (;;) {
          }
        },
        60);
    _exit(0);
  }
  pid_t the_case = 0;
  ASSERT_EQ(read(pipefd[0], &the_case, sizeof the_case), static_cast<ssize_t>(sizeof the_case));
  kill(runner, SIGKILL);
  waitpid(runner, nullptr, 0);
  // Gone, or a zombie its new parent has not reaped yet.
  auto alive = [&] {
    std::ifstream stat("/proc/" + std::to_string(the_case) + "/stat");
    std::string pid, comm, state;
    return static_cast<bool>(stat >> pid >> comm >> state) && state != "Z";
  };
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = !alive();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!gone) kill(the_case, SIGKILL);
  EXPECT_TRUE(gone) << "the case outlived its runner";
}

TEST(Executor, OutputIsCapturedAndResultReturned) {
  CaseResult r = run_forked(
      [](CaseResult& out) {
        std::printf("to stdout\n");
        std::fprintf(stderr, "to stderr\n");
        std::fflush(stdout);
        out.status = Status::kFail;
        out.findings.push_back({"x.check", "a message", "1", "2"});
        out.injections = 42;
      },
      10);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(r.injections, 42u);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].check, "x.check");
  EXPECT_NE(r.output.find("to stdout"), std::string::npos);
  EXPECT_NE(r.output.find("to stderr"), std::string::npos);
  EXPECT_GT(r.duration_ms, 0);
}

TEST(Executor, ExitWithoutResultAndExceptionsAreErrors) {
  CaseResult a = run_forked([](CaseResult&) { _exit(3); }, 10);
  EXPECT_EQ(a.status, Status::kError);
  EXPECT_EQ(a.reason, "exited with status 3 without a result");
  CaseResult b = run_forked([](CaseResult&) { throw std::runtime_error("boom"); }, 10);
  EXPECT_EQ(b.status, Status::kError);
  EXPECT_EQ(b.reason, "exception: boom");
}

TEST(Executor, ParallelJobsReportInJobOrder) {
  std::vector<CaseDescriptor> cases(4);
  const int sleep_ms[4] = {300, 10, 150, 0};
  for (int i = 0; i < 4; ++i) {
    cases[i].id = "test/" + std::to_string(i);
    const int ms = sleep_ms[i];
    cases[i].run = [ms](const CaseContext&, CaseResult& r) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      r.injections = static_cast<uint64_t>(ms);
    };
  }
  std::vector<Job> jobs;
  for (auto& c : cases)
    jobs.push_back({&c, 1, 0});
  Machine m;
  ExecutorOptions opts;
  opts.jobs = 4;
  std::vector<std::string> order;
  const auto start = std::chrono::steady_clock::now();
  execute(jobs, m, {}, opts, [&](size_t k, CaseResult&& r) {
    order.push_back(r.id);
    EXPECT_EQ(r.injections, static_cast<uint64_t>(sleep_ms[k]));
  });
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(order, (std::vector<std::string>{"test/0", "test/1", "test/2", "test/3"}));
  EXPECT_LT(s, 0.45 + 5.0) << "generous: the point is they overlap, not how fast";
}

// Each case's process is prepared for every available component before the case runs (AMX
// permission); a refusal is the case's error, naming the component, and a case that checks the
// unprepared process is left alone. The Sapphire Rapids fixture claims AMX, which this kernel
// refuses, unless this machine really has AMX.
TEST(Executor, ComponentsArePreparedInTheCaseProcessUnlessItOptsOut) {
  const Machine spr = test::sapphire_rapids();
  if (component(ComponentId::kAmxTiledata).availability(probe_machine()).ok)
    GTEST_SKIP() << "this machine grants AMX permission: there is no refusal to see";
  std::vector<CaseDescriptor> cases(2);
  for (int i = 0; i < 2; ++i) {
    cases[i].id = "test/prepare-" + std::to_string(i);
    cases[i].run = [](const CaseContext&, CaseResult& r) { r.status = Status::kPass; };
  }
  cases[1].prepares_components_itself = true;
  std::vector<Job> jobs = {{&cases[0], 1, 0}, {&cases[1], 1, 0}};
  std::vector<CaseResult> results;
  execute(jobs, spr, {}, ExecutorOptions{},
          [&](size_t, CaseResult&& r) { results.push_back(std::move(r)); });
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].status, Status::kError);
  EXPECT_EQ(results[0].reason.rfind(
                "could not prepare amx_tilecfg: arch_prctl(ARCH_REQ_XCOMP_PERM, 18) failed: ", 0),
            0u)
      << results[0].reason;
  EXPECT_EQ(results[1].status, Status::kPass) << results[1].reason;
  // On a machine without AMX nothing is asked of the kernel.
  results.clear();
  execute({{&cases[0], 1, 0}}, test::skylake_x(), {}, ExecutorOptions{},
          [&](size_t, CaseResult&& r) { results.push_back(std::move(r)); });
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status, Status::kPass) << results[0].reason;
}

}  // namespace
}  // namespace sigctx
