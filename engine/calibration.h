// How many repetitions of some work fill a given time on this machine. A guest without a fine
// clock source reads CLOCK_MONOTONIC in 4 ms steps: a short probe then measures 0 ms, and a
// division by it asks for millions of repetitions (a storm phase of 120 s instead of 15 ms). Here
// the count doubles until the time measured spans many clock steps.
#pragma once

#include <cstdint>
#include <functional>

namespace sigctx {

struct CalibrationClock {
  std::function<uint64_t()> now_ns;  // a monotonic clock
  uint64_t step_ns = 0;              // its smallest step (PlatformCapabilities::clock), 0: unknown
};
// CLOCK_MONOTONIC with the step given.
CalibrationClock monotonic_clock(uint64_t step_ns);

struct Calibration {
  uint64_t count = 0;      // repetitions for target_ms
  double ns_per_unit = 0;  // measured cost of one; 0 when nothing could be measured
  uint64_t measured = 0;   // repetitions the measurement ran
  double measured_ns = 0;  // over this time
};

// Runs run(first) once to warm up, then run(n) with n doubling from `first` until a run of 2n
// takes at least max(2 ms, 10 clock steps) longer than one of n (what a run costs besides its n
// units cancels out), or n reaches `most`; both are run twice more, the fastest pair kept. The
// count for target_ms follows from the difference, at least `first` and at most `most`.
Calibration calibrate(const std::function<void(uint64_t n)>& run, double target_ms,
                      const CalibrationClock& clock, uint64_t first, uint64_t most);

}  // namespace sigctx
