#include "engine/calibration.h"

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
  const double enough_ns = std::max(2e6, 10.0 * static_cast<double>(clock.step_ns));
  Calibration c;
  first = std::max<uint64_t>(first, 1);
  // One run first, unmeasured: what only the first run pays (page faults, a JIT's translation
  // under valgrind or qemu-user) would make the work look slow and the count too small.
  run(first);
  auto timed = [&](uint64_t n) {
    const uint64_t t0 = clock.now_ns();
    run(n);
    return static_cast<double>(clock.now_ns() - t0);
  };
  // Each run also costs something besides the work (loading the pattern, resetting memory,
  // system calls that take 0.1 ms each in a sandbox): only what a run of 2n takes beyond one of
  // n is the work's. The count doubles until that difference spans the threshold.
  uint64_t n = first;
  double t_n = timed(n);
  uint64_t n2 = n;
  double t_n2 = t_n;
  for (;;) {
    n2 = std::min(most, n * 2);
    t_n2 = timed(n2);
    if (t_n2 - t_n >= enough_ns) {
      // Confirmed by the fastest of three of each: time the machine took from us (another
      // process, a sandbox's or a user-mode kernel's own work) only ever adds, and a pair whose
      // difference then falls under the threshold was such time: the doubling goes on.
      const double a = std::min({t_n, timed(n), timed(n)});
      const double b = std::min({t_n2, timed(n2), timed(n2)});
      if (b - a >= enough_ns) {
        t_n = a;
        t_n2 = b;
        break;
      }
      t_n2 = b;
    }
    if (n2 >= most) break;
    n = n2;
    t_n = t_n2;
  }
  c.measured = n2;
  c.measured_ns = t_n2;
  if (t_n2 - t_n > 0 && n2 > n) {
    c.ns_per_unit = (t_n2 - t_n) / static_cast<double>(n2 - n);
    const double wanted = target_ms * 1e6 / c.ns_per_unit;
    c.count = static_cast<uint64_t>(
        std::clamp(wanted, static_cast<double>(first), static_cast<double>(most)));
    return c;
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
