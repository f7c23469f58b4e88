// ci/kselftest/sigctx/run_tests: sigctx run --tap behind kselftest's interface. Exit 0 pass,
// 1 fail, 4 skip (KSFT_SKIP), never 2 (kselftest's XFAIL) for a usage error; TAP 13 on stdout
// (issue 25, part 4).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/spawn.h"

namespace sigctx {
namespace {

const std::string kSigctx = std::string(SIGCTX_BINARY_DIR) + "/sigctx";
const std::string kRunTests = std::string(SIGCTX_SOURCE_DIR) + "/ci/kselftest/sigctx/run_tests";

test::Outcome run_tests(const std::string& sigctx, const std::vector<std::string>& args,
                        const std::string& sigctx_args = "") {
  std::vector<std::string> argv = {"env", "SIGCTX=" + sigctx, "SIGCTX_ARGS=" + sigctx_args,
                                   "SIGCTX_JOBS=2", kRunTests};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::spawn_and_wait(argv);
}

// A case that skips here, read from sigctx list: "ID   skips here: REASON".
std::string case_skipping_here() {
  const test::Outcome list = test::spawn_and_wait({kSigctx, "list"});
  const size_t at = list.out.find(" skips here: ");
  if (at == std::string::npos) return "";
  const size_t start = list.out.rfind('\n', at) + 1;
  return list.out.substr(start, list.out.find(' ', start) - start);
}

TEST(Kselftest, APassingSelectionPrintsTapAndExitsZero) {
  const test::Outcome o =
      run_tests(kSigctx, {"--cases", "signal/sync/sse"}, "--cases signal/sync/gpr");
  EXPECT_EQ(o.status, 0) << o.out << o.err;
  EXPECT_EQ(o.out.rfind("TAP version 13\n1..2\n", 0), 0u) << o.out;
  EXPECT_NE(o.out.find("\nok 1 signal/sync/gpr\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\nok 2 signal/sync/sse\n"), std::string::npos) << o.out;
}

TEST(Kselftest, AFailingCaseExitsOne) {
  const test::Outcome o =
      run_tests(kSigctx, {"--cases", "signal/sync/sse", "--inject-fault", "sse"});
  EXPECT_EQ(o.status, 1) << o.out << o.err;
  EXPECT_NE(o.out.find("\nnot ok 1 signal/sync/sse"), std::string::npos) << o.out;
}

TEST(Kselftest, EverySelectedCaseSkippingExitsFour) {
  const std::string skipping = case_skipping_here();
  if (skipping.empty()) GTEST_SKIP() << "every case runs on this machine";
  const test::Outcome o = run_tests(kSigctx, {"--cases", skipping});
  EXPECT_EQ(o.status, 4) << skipping << "\n" << o.out << o.err;
  EXPECT_NE(o.out.find("ok 1 " + skipping + " # SKIP"), std::string::npos) << o.out;
}

TEST(Kselftest, AUsageErrorIsAFailureNotAnXfail) {
  const test::Outcome o = run_tests(kSigctx, {"--no-such-option"});
  EXPECT_EQ(o.status, 1) << o.out << o.err;
  EXPECT_NE(o.err.find("--no-such-option"), std::string::npos) << o.err;
}

TEST(Kselftest, NoSigctxInstalledSkips) {
  const test::Outcome o = run_tests("/nonexistent/sigctx", {});
  EXPECT_EQ(o.status, 4) << o.out << o.err;
  EXPECT_NE(o.out.find("1..0 # SKIP sigctx not found"), std::string::npos) << o.out;
}

}  // namespace
}  // namespace sigctx
