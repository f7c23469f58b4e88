// A machine where a signal delivery is slow, made here on purpose: every delivery spends 100 us
// in the handler (SIGCTX_HANDLER_DELAY_US). On the nested hypervisor of issue 21 one delivery
// cost more than the storms' fixed 20 us timer period, and the storm cases livelocked in their
// handler until the 30 s timeout. The storms must finish, and still catch --inject-fault.
#include <gtest/gtest.h>

#include "engine/handler.h"
#include "engine/storm.h"
#include "runners/fingerprint.h"
#include "tests/support/run_case.h"

namespace sigctx {
namespace {

constexpr uint64_t kDelayNs = 100000;
// The delivery cost is the difference of two timed runs: under a loaded ctest -j2 it once came
// 2% under the delay it contains (97.9 us). 90 us still tells the slowed handler (100 us) from
// an unslowed delivery (4 us here) and from the storms' fixed 20 us period.
constexpr double kMeasuredDelayNs = 0.9 * kDelayNs;

class SlowHandler : public ::testing::Test {
 protected:
  void SetUp() override { set_handler_delay_ns(kDelayNs); }
  void TearDown() override { set_handler_delay_ns(0); }
};

void expect_caught(const CaseResult& r) {
  ASSERT_EQ(r.status, Status::kFail) << r.reason;
  ASSERT_FALSE(r.diffs.empty());
  EXPECT_EQ(r.diffs[0].component, ComponentId::kSse);
  EXPECT_EQ(r.diffs[0].reg, "xmm3");
  EXPECT_EQ(r.diffs[0].cls, DiffClass::kZeroed);
}

// The probe measures the slow handler, and the storm periods follow it.
TEST_F(SlowHandler, StormsCalibrateToItAndStillCatchAFault) {
  Machine m = test::live_machine();
  m.platform = measure_platform(m);
  EXPECT_GE(m.platform.delivery_ns, kMeasuredDelayNs);
  EXPECT_EQ(m.platform.handler_delay_ns, static_cast<double>(kDelayNs));
  EXPECT_GE(storm_period_ns(m), static_cast<long>(4 * kMeasuredDelayNs));
  const CaseResult r = test::run_case_on(m, "signal/storm/gpr_mix", "sse:xmm3:zero", {}, 60);
  expect_caught(r);
  const auto& storm = r.facts.at("storm");
  EXPECT_GE(storm.at("period_us").get<double>(), 4 * kMeasuredDelayNs / 1000.0) << storm.dump();
  EXPECT_FALSE(storm.contains("watchdog_stopped")) << storm.dump();
}

// A delivery cost nobody measured (or measured wrong): the 20 us period is far too short for
// this handler, and only the watchdog ends the timer's phases.
TEST_F(SlowHandler, TheWatchdogEndsAStormWhoseTimerOutpacesTheHandler) {
  Machine m = test::live_machine();
  m.platform.delivery_ns = 0;
  ASSERT_EQ(storm_period_ns(m), kStormPeriodNs);
  const CaseResult r = test::run_case_on(m, "signal/storm/gpr_mix", "sse:xmm3:zero", {}, 60);
  expect_caught(r);
  const auto& storm = r.facts.at("storm");
  ASSERT_TRUE(storm.contains("watchdog_stopped")) << storm.dump();
  EXPECT_NE(storm.at("watchdog_stopped").dump().find("posix-timer"), std::string::npos)
      << storm.dump();
}

}  // namespace
}  // namespace sigctx
