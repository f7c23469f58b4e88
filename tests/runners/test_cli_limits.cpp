// Issue 22, part 6: the process limits a run is given (ulimit -n, -u, -v) are never a case's
// error or failure. Too few descriptors for --jobs lower the parallelism; too few for one case,
// or too few processes, threads or address space, stop the run with exit 2 naming the limit.
#include <gtest/gtest.h>

#include <unistd.h>

#include <string>

#include "tests/support/spawn.h"

namespace sigctx {
namespace {

const std::string kSigctx = std::string(SIGCTX_BINARY_DIR) + "/sigctx";

// `sigctx ARGS` under `ulimit LIMIT`, through bash (dash has no ulimit -u).
test::Outcome under_limit(const std::string& limit, const std::string& args) {
  return test::spawn_and_wait(
      {"/bin/bash", "-c", "ulimit " + limit + " && exec " + kSigctx + " " + args});
}

// No case may read as broken because of the limit.
void expect_no_case_error(const test::Outcome& o) {
  EXPECT_EQ(o.out.find("\nERROR "), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("\nFAIL "), std::string::npos) << o.out;
}

TEST(Limits, FewDescriptorsLowerTheParallelismAndEveryCaseRuns) {
  // Each running case holds two pipes: 16 descriptors leave room for fewer than 8.
  const test::Outcome o = under_limit("-n 16", "run --jobs 8 --cases 'signal/sync/*'");
  EXPECT_EQ(o.status, 0) << o.out << o.err;
  EXPECT_NE(o.err.find("sigctx: note: running "), std::string::npos) << o.err;
  EXPECT_NE(o.err.find(" at a time, not 8: pipe2: Too many open files (ulimit -n 16"),
            std::string::npos)
      << o.err;
  expect_no_case_error(o);
}

TEST(Limits, TooFewDescriptorsForOneCaseStopTheRun) {
  const test::Outcome o = under_limit("-n 5", "run --cases 'signal/sync/*'");
  EXPECT_EQ(o.status, 2) << o.out << o.err;
  // The signal frame probe's child, or the first case's, cannot get its pipes.
  EXPECT_EQ(o.err.rfind("sigctx: error: ", 0), 0u) << o.err;
  EXPECT_NE(o.err.find("pipe2: Too many open files (ulimit -n 5 (open files)"), std::string::npos)
      << o.err;
  expect_no_case_error(o);
}

TEST(Limits, TooLittleAddressSpaceStopsTheRunNamingTheLimit) {
  // Thread stacks do not fit: where the probes or the first threaded case meet it, the run
  // stops there, before any verdict on the platform.
  const test::Outcome o = under_limit("-v 30000", "run --cases 'switch/*'");
  EXPECT_EQ(o.status, 2) << o.out << o.err;
  EXPECT_NE(o.err.find("sigctx: error: "), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("ulimit -v 30000 KiB (address space)"), std::string::npos) << o.err;
  expect_no_case_error(o);
}

TEST(Limits, TooFewProcessesStopTheRunNamingTheLimit) {
  // RLIMIT_NPROC binds no root process: the run is made as nobody.
  if (geteuid() != 0 || !test::on_path("setpriv")) GTEST_SKIP() << "needs root and setpriv";
  const test::Outcome probe = test::spawn_and_wait(
      {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", kSigctx, "--version"});
  if (probe.status != 0) GTEST_SKIP() << "nobody cannot run " << kSigctx << ": " << probe.err;
  const test::Outcome o = test::spawn_and_wait(
      {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/bash", "-c",
       "ulimit -u 4 && exec " + kSigctx + " run --cases 'switch/*'"});
  EXPECT_EQ(o.status, 2) << o.out << o.err;
  EXPECT_NE(o.err.find("Resource temporarily unavailable"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("ulimit -u 4 (processes)"), std::string::npos) << o.err;
  expect_no_case_error(o);
}

}  // namespace
}  // namespace sigctx
