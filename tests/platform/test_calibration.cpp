// Calibration against a clock that moves in 4 ms steps, as in a guest kernel without a fine
// clock source: the storms once measured 0 ms there and asked for 30 million loops per phase.
#include <gtest/gtest.h>

#include "signal/calibration.h"
#include "signal/storm.h"

namespace sigctx {
namespace {

// A workload of cost_ns per unit on a virtual timeline, read through a clock of step_ns steps.
struct VirtualMachine {
  uint64_t now = 1234567;  // somewhere inside a step
  uint64_t cost_ns;
  uint64_t step_ns;
  uint64_t ran = 0;
  CalibrationClock clock(uint64_t told_step) {
    return {[this] { return now / step_ns * step_ns; }, told_step};
  }
  std::function<void(uint64_t)> work() {
    return [this](uint64_t n) {
      now += n * cost_ns;
      ran += n;
    };
  }
};

TEST(Calibration, ACoarseClockStillGivesTheTargetTime) {
  VirtualMachine vm{.cost_ns = 1000, .step_ns = 4000000};
  const Calibration c = calibrate(vm.work(), kStormPhaseMs, vm.clock(4000000), 16, 1u << 24);
  // 15 ms of 1 us units: 15000, within the clock's steps of the measurement.
  EXPECT_GT(c.count, 13000u);
  EXPECT_LT(c.count, 17000u);
  EXPECT_NEAR(c.ns_per_unit, 1000, 100);
  // Measuring took at most a few times the measurement's own span of 25 steps.
  EXPECT_LT(vm.ran * vm.cost_ns, 4 * 25 * vm.step_ns);
}

TEST(Calibration, WithoutKnowingTheStepItNeverAsksForMillions) {
  VirtualMachine vm{.cost_ns = 1000, .step_ns = 4000000};
  const Calibration c = calibrate(vm.work(), kStormPhaseMs, vm.clock(0), 16, 1u << 24);
  EXPECT_GT(c.count, 0u);
  EXPECT_LT(c.count, 60000u);  // a phase of at most a few times 15 ms, never 30 s
}

TEST(Calibration, AFineClockIsQuick) {
  VirtualMachine vm{.cost_ns = 1000, .step_ns = 1};
  const Calibration c = calibrate(vm.work(), kStormPhaseMs, vm.clock(1), 16, 1u << 24);
  EXPECT_EQ(c.count, 15000u);
  EXPECT_LT(vm.ran, 8192u);  // a 2 ms measurement
}

TEST(Calibration, AClockThatNeverMovesStopsAtTheMost) {
  VirtualMachine vm{.cost_ns = 0, .step_ns = 4000000};
  const Calibration c = calibrate(vm.work(), kStormPhaseMs, vm.clock(4000000), 16, 4096);
  EXPECT_EQ(c.count, 4096u);
  EXPECT_EQ(c.ns_per_unit, 0);
}

}  // namespace
}  // namespace sigctx
