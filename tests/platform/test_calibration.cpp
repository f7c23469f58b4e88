// Calibration against a clock that moves in 4 ms steps, as in a guest kernel without a fine
// clock source: the storms once measured 0 ms there and asked for 30 million loops per phase.
#include <gtest/gtest.h>

#include "engine/calibration.h"
#include "engine/storm.h"

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
  // Measuring took about ten times the measurement's own span of 10 steps: the doubling up to
  // it, and two repeats of the last pair of runs.
  EXPECT_LT(vm.ran * vm.cost_ns, 20 * 10 * vm.step_ns);
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
  EXPECT_LT(vm.ran, 24000u);  // a 2 ms difference, doubled up to and repeated twice
}

// Time taken from the work (another process ran) only adds: the fastest of the measurements
// counts.
TEST(Calibration, ATimeSliceLostToAnotherProcessDoesNotCount) {
  VirtualMachine vm{.cost_ns = 1000, .step_ns = 1};
  bool stolen = false;
  const Calibration c = calibrate(
      [&](uint64_t n) {
        vm.now += n * vm.cost_ns;
        if (n >= 2048 && !stolen) {  // the first measurement that counts loses 10 ms
          vm.now += 10000000;
          stolen = true;
        }
      },
      kStormPhaseMs, vm.clock(1), 16, 1u << 24);
  EXPECT_EQ(c.count, 15000u);
}

// Under gVisor a run of the storms' loop costs about 2 ms besides its loops (loading the pattern
// takes system calls of 0.1 ms each): taken for the loops' cost, it asked for 79 loops where
// 150,000 fill 15 ms, and no signal ever landed in so short a run.
TEST(Calibration, WhatARunCostsBesidesItsUnitsIsNotTheirCost) {
  VirtualMachine vm{.cost_ns = 100, .step_ns = 38000};
  const Calibration c = calibrate(
      [&](uint64_t n) {
        vm.now += 2000000 + n * vm.cost_ns;
        vm.ran += n;
      },
      kStormPhaseMs, vm.clock(38000), 16, 1u << 24);
  EXPECT_NEAR(c.ns_per_unit, 100, 5);
  EXPECT_GT(c.count, 140000u);
  EXPECT_LT(c.count, 160000u);
}

TEST(Calibration, AClockThatNeverMovesStopsAtTheMost) {
  VirtualMachine vm{.cost_ns = 0, .step_ns = 4000000};
  const Calibration c = calibrate(vm.work(), kStormPhaseMs, vm.clock(4000000), 16, 4096);
  EXPECT_EQ(c.count, 4096u);
  EXPECT_EQ(c.ns_per_unit, 0);
}

}  // namespace
}  // namespace sigctx
