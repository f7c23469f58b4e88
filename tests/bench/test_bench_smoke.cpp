// The benchmarks run, briefly, and say what they measured: every benchmark either reports its
// counters or is skipped with a reason, each in-use set really had its state in use when the
// signal arrived (XINUSE), the checked sweep found no difference, and the report generator
// turns the run into the performance page. No timing is asserted: only what was measured.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "probes/machine.h"
#include "tests/support/spawn.h"

namespace sigctx {
namespace {

TEST(BenchSmoke, EveryBenchmarkMeasuresOrSaysWhyNot) {
  const std::string json = ::testing::TempDir() + "/bench.json";
  const std::string page = ::testing::TempDir() + "/performance.md";
  std::filesystem::remove(json);
  const test::Outcome o = test::spawn_and_wait(
      {SIGCTX_BENCH_BINARY, "--benchmark_min_time=0.01", "--benchmark_out=" + json,
       "--benchmark_out_format=json",
       "--benchmark_filter=BM_Getppid|BM_SignalInUse|BM_Injector(Step|Int3)$|BM_SwitchAsm|"
       "BM_FutexPingPong"});
  ASSERT_EQ(o.status, 0) << o.out << o.err;
  const auto run = nlohmann::json::parse(test::read_file(json));
  EXPECT_NE(run["context"].value("sigctx_machine", ""), "") << "the fingerprint is in the context";
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& b : run["benchmarks"])
    by_name[b["name"].get<std::string>()] = b;
  for (const auto& [name, b] : by_name) {
    if (b.value("error_occurred", false)) {
      EXPECT_NE(b.value("error_message", ""), "") << name << " skipped without a reason";
      continue;
    }
    EXPECT_TRUE(b.contains("x_getppid")) << name << " has no ratio to getppid";
  }
  // XINUSE just before each signal holds exactly the set's XSAVE components.
  const Machine m = probe_machine();
  const std::map<std::string, uint64_t> xinuse = {{"BM_SignalInUse/init", 0},
                                                  {"BM_SignalInUse/sse", 0x2},
                                                  {"BM_SignalInUse/avx", 0x6},
                                                  {"BM_SignalInUse/avx512", 0xe6}};
  unsigned checked = 0;
  for (const auto& [name, bits] : xinuse) {
    ASSERT_TRUE(by_name.count(name)) << name;
    const auto& b = by_name[name];
    if (b.value("error_occurred", false) || !m.xsave.xgetbv1) continue;
    EXPECT_EQ(static_cast<uint64_t>(std::llround(b["xinuse"].get<double>())), bits) << name;
    ++checked;
  }
  if (m.xsave.xgetbv1) {
    EXPECT_GE(checked, 2u) << "init and sse run on any x86-64 with XSAVE";
  }
  ASSERT_TRUE(by_name.count("BM_InjectorStep"));
  EXPECT_GT(by_name["BM_InjectorStep"].value("events_per_run", 0.0), 10.0)
      << "stepping the kernel traps at every boundary";
  EXPECT_EQ(by_name["BM_InjectorInt3"].value("events_per_run", 0.0), 1.0);

  const test::Outcome r = test::spawn_and_wait({SIGCTX_BENCH_REPORT_BINARY, json, page});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(test::read_file(page).find("| BM_SignalInUse/avx |"), std::string::npos);
  const test::Outcome bad = test::spawn_and_wait({SIGCTX_BENCH_REPORT_BINARY, page, page + "2"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find(page + ": not valid JSON"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace sigctx
