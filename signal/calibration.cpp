#include "signal/calibration.h"

#include <time.h>

#include <algorithm>

namespace sigctx {

CalibrationClock monotonic_clock(uint64_t step_ns) {
  return {[] {
            timespec t;
            clock_gettime(CLOCK_MONOTONIC, &t);
            return static_cast<uint64_t>(t.tv_sec) * 1000000000ull +
                   static_cast<uint64_t>(t.tv_nsec);
          },
          step_ns};
}

Calibration calibrate(const std::function<void(uint64_t n)>& run, double target_ms,
                      const CalibrationClock& clock, uint64_t first, uint64_t most) {
  const double enough_ns = std::max(2e6, 25.0 * static_cast<double>(clock.step_ns));
  Calibration c;
  first = std::max<uint64_t>(first, 1);
  // One run first, unmeasured: what only the first run pays (page faults, a JIT's translation
  // under valgrind or qemu-user) would make the work look slow and the count too small.
  run(first);
  for (uint64_t n = first;; n = std::min(most, n * 2)) {
    const uint64_t t0 = clock.now_ns();
    run(n);
    const uint64_t t1 = clock.now_ns();
    c.measured = n;
    c.measured_ns = static_cast<double>(t1 - t0);
    if (c.measured_ns >= enough_ns || n >= most) break;
  }
  if (c.measured_ns <= 0) {  // a clock that never moved: the most asked for
    c.count = most;
    return c;
  }
  c.ns_per_unit = c.measured_ns / static_cast<double>(c.measured);
  const double wanted = target_ms * 1e6 / c.ns_per_unit;
  c.count = static_cast<uint64_t>(
      std::clamp(wanted, static_cast<double>(first), static_cast<double>(most)));
  return c;
}

}  // namespace sigctx
