// docs/performance.md's generator: every benchmark becomes a row with its counters, a skipped
// one says why, the fingerprint comes from the run's context, and malformed input is named.
#include <gtest/gtest.h>

#include "results/performance_report.h"

namespace sigctx {
namespace {

nlohmann::json sample() {
  return nlohmann::json::parse(R"({
    "context": {"date": "2026-11-28T18:00:00+00:00", "host_name": "h", "num_cpus": 2,
                "sigctx_machine": "AMD EPYC, Linux 6.18", "sigctx_xcr0": "0xe7",
                "sigctx_components": "gpr,sse,avx"},
    "benchmarks": [
      {"name": "BM_Getppid", "real_time": 88.4, "time_unit": "ns", "x_getppid": 1.0},
      {"name": "BM_SignalInUse/avx", "real_time": 1890.2, "time_unit": "ns",
       "round_trip_ns": 1712.3, "x_getppid": 19.37, "xinuse": 7},
      {"name": "BM_StepSweepChecked", "real_time": 950.0, "time_unit": "us",
       "ns_per_boundary": 2301.0, "x_bare": 1.18},
      {"name": "BM_InjectorHwbp", "real_time": 120.0, "time_unit": "us",
       "ns_per_event": 4100.4, "x_getppid": 46.02},
      {"name": "BM_SignalInUse/amx", "error_occurred": true,
       "error_message": "amx_tilecfg: CPU lacks AMX-TILE"}
    ]})");
}

TEST(PerformanceReport, EveryBenchmarkIsARowWithItsCounters) {
  std::string page, error;
  ASSERT_TRUE(performance_markdown(sample(), &page, &error)) << error;
  EXPECT_NE(page.find("- machine: AMD EPYC, Linux 6.18"), std::string::npos) << page;
  EXPECT_NE(page.find("- XCR0: 0xe7; components: gpr,sse,avx"), std::string::npos) << page;
  EXPECT_NE(page.find("| BM_SignalInUse/avx | 1890.2 ns | 1712 ns |  | 19.4 |  |  | 0x7 |"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("| BM_StepSweepChecked | 950.0 us |  |  |  | 2301 ns | 1.18 |  |"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("| BM_InjectorHwbp | 120.0 us |  | 4100 ns | 46 |  |  |  |"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("| BM_SignalInUse/amx | skipped: amx_tilecfg: CPU lacks AMX-TILE |"),
            std::string::npos)
      << page;
}

TEST(PerformanceReport, MalformedInputIsNamed) {
  std::string page, error;
  EXPECT_FALSE(performance_markdown(nlohmann::json::array(), &page, &error));
  EXPECT_EQ(error, "no \"context\" object: not Google Benchmark JSON output");
  nlohmann::json j = sample();
  j["benchmarks"][1].erase("real_time");
  EXPECT_FALSE(performance_markdown(j, &page, &error));
  EXPECT_EQ(error, "benchmarks[1] (BM_SignalInUse/avx): no \"real_time\" number");
  j = sample();
  j["benchmarks"][0]["name"] = 3;
  EXPECT_FALSE(performance_markdown(j, &page, &error));
  EXPECT_EQ(error, "benchmarks[0]: no \"name\" string");
}

}  // namespace
}  // namespace sigctx
