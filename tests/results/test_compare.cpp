// compare's mutation tests: one run against a copy with exactly one change of each kind, which
// must be reported as that change and nothing else; and a malformed result file named with its
// line.
#include <gtest/gtest.h>

#include <fstream>

#include "results/compare.h"
#include "results/result_file.h"

namespace sigctx {
namespace {

CaseResult result(const std::string& id, Status s, const std::string& reason = "") {
  CaseResult r;
  r.id = id;
  r.status = s;
  r.reason = reason;
  return r;
}

RunResult baseline() {
  RunResult r;
  r.version = "0.1.0";
  r.machine = {{"os", {{"sysname", "Linux"}, {"release", "6.1.0-18-amd64"}}},
               {"cpu", {{"vendor", "GenuineIntel"}, {"features", {"avx", "avx2"}}}}};
  r.cases = {result("signal/sync/avx", Status::kPass), result("signal/sync/sse", Status::kPass),
             result("signal/frame/gpr", Status::kXfail, "valgrind"),
             result("signal/sync/pkru", Status::kSkip, "CPU lacks PKU"),
             result("signal/badframe/magic1", Status::kFail, "frame.magic1: ...")};
  return r;
}

TEST(Compare, IdenticalRunsHaveNoChange) {
  const Comparison c = compare_runs(baseline(), baseline());
  EXPECT_FALSE(c.regressed());
  EXPECT_TRUE(c.fixes.empty() && c.added.empty() && c.vanished.empty() && c.other_changes.empty() &&
              c.fingerprint.empty());
  EXPECT_EQ(c.unchanged, 5u);
}

TEST(Compare, PassToFailIsTheOneRegression) {
  RunResult after = baseline();
  after.cases[0] = result("signal/sync/avx", Status::kFail, "avx: ymm3 [255:128] differ");
  const Comparison c = compare_runs(baseline(), after);
  ASSERT_EQ(c.regressions.size(), 1u);
  EXPECT_EQ(c.regressions[0].id, "signal/sync/avx");
  EXPECT_EQ(c.regressions[0].detail, "avx: ymm3 [255:128] differ");
  EXPECT_EQ(c.unchanged, 4u);
  const std::string text = format_comparison(c, "a", "b");
  EXPECT_NE(text.find("REGRESSIONS (1):\n  signal/sync/avx"), std::string::npos) << text;
  EXPECT_NE(text.find("pass -> fail: avx: ymm3"), std::string::npos) << text;
}

TEST(Compare, XfailToErrorIsARegression) {
  RunResult after = baseline();
  after.cases[2].status = Status::kError;
  const Comparison c = compare_runs(baseline(), after);
  ASSERT_EQ(c.regressions.size(), 1u);
  EXPECT_EQ(c.regressions[0].id, "signal/frame/gpr");
}

TEST(Compare, FailToPassIsAFix) {
  RunResult after = baseline();
  after.cases[4].status = Status::kPass;
  const Comparison c = compare_runs(baseline(), after);
  EXPECT_FALSE(c.regressed());
  ASSERT_EQ(c.fixes.size(), 1u);
  EXPECT_EQ(c.fixes[0].id, "signal/badframe/magic1");
}

TEST(Compare, NewAndVanishedCases) {
  RunResult after = baseline();
  after.cases.erase(after.cases.begin() + 1);
  after.cases.push_back(result("alloc/os-zero/mmap", Status::kFail, "alloc.not_zero"));
  const Comparison c = compare_runs(baseline(), after);
  EXPECT_FALSE(c.regressed());  // a new case failing is a new case, listed with its reason
  ASSERT_EQ(c.added.size(), 1u);
  EXPECT_EQ(c.added[0].id, "alloc/os-zero/mmap");
  EXPECT_EQ(c.added[0].detail, "alloc.not_zero");
  ASSERT_EQ(c.vanished.size(), 1u);
  EXPECT_EQ(c.vanished[0].id, "signal/sync/sse");
}

TEST(Compare, RanAndNowSkipsIsAnOtherChange) {
  RunResult after = baseline();
  after.cases[1] = result("signal/sync/sse", Status::kSkip, "CPU lacks SSE");
  const Comparison c = compare_runs(baseline(), after);
  EXPECT_FALSE(c.regressed());
  ASSERT_EQ(c.other_changes.size(), 1u);
  EXPECT_EQ(c.other_changes[0].before, Status::kPass);
  EXPECT_EQ(c.other_changes[0].after, Status::kSkip);
}

TEST(Compare, RepeatedCaseCountsByItsWorstIteration) {
  RunResult after = baseline();
  CaseResult again = result("signal/sync/avx", Status::kFail, "iteration 3");
  again.iteration = 3;
  after.cases.push_back(again);
  const Comparison c = compare_runs(baseline(), after);
  ASSERT_EQ(c.regressions.size(), 1u);
  EXPECT_EQ(c.regressions[0].detail, "iteration 3");
}

TEST(Compare, FingerprintChangesAreListedByPath) {
  RunResult after = baseline();
  after.machine["os"]["release"] = "6.12.9-amd64";
  after.machine["cpu"]["features"].push_back("avx512f");
  const Comparison c = compare_runs(baseline(), after);
  ASSERT_EQ(c.fingerprint.size(), 2u);
  EXPECT_EQ(c.fingerprint[0].path, "cpu/features");
  EXPECT_EQ(c.fingerprint[1].path, "os/release");
  EXPECT_EQ(c.fingerprint[1].before, "6.1.0-18-amd64");
  EXPECT_EQ(c.fingerprint[1].after, "6.12.9-amd64");
}

std::string write(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(ResultFile, MalformedFilesAreNamedWithTheLine) {
  RunResult r;
  std::string error;
  EXPECT_FALSE(read_result_file(write("syntax.json", "{\n  \"schema\": \n}\n"), &r, &error));
  EXPECT_NE(error.find("syntax.json:3"), std::string::npos) << error;
  EXPECT_FALSE(read_result_file(write("notresult.json", "{\n  \"entries\": []\n}\n"), &r, &error));
  EXPECT_NE(error.find("notresult.json:1: member \"schema\" is missing"), std::string::npos)
      << error;
  const std::string bad_case =
      "{\"schema\": \"sigctx-result/1\", \"tool\": {\"version\": \"0\"}, \"machine\": {},\n"
      "\"summary\": {}, \"cases\": [\n"
      "  {\"id\": \"a\", \"status\": \"pass\"},\n"
      "  {\"id\": \"b\", \"status\": \"maybe\"}\n"
      "]}\n";
  EXPECT_FALSE(read_result_file(write("badcase.json", bad_case), &r, &error));
  EXPECT_NE(error.find("badcase.json:4: case 1: unknown status \"maybe\""), std::string::npos)
      << error;
  EXPECT_FALSE(read_result_file("/nonexistent/x.json", &r, &error));
  EXPECT_NE(error.find("/nonexistent/x.json"), std::string::npos) << error;
}

}  // namespace
}  // namespace sigctx
