// The probes that only read how the system is set up: core dumps, perf, the clock, the CPUs.
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/core_case.h"
#include "platform/capability_probes.h"

namespace sigctx {

namespace {

uint64_t monotonic_ns() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + static_cast<uint64_t>(t.tv_nsec);
}

}  // namespace

Capability probe_core_dumps() {
  const std::string pattern = read_core_pattern();
  const std::string unusable = core_pattern_unusable(pattern);
  if (!unusable.empty()) return Capability::refused_because(unusable);
  rlimit lim;
  if (getrlimit(RLIMIT_CORE, &lim) == 0 && lim.rlim_max == 0)
    return Capability::refused_because(
        "RLIMIT_CORE's hard limit is 0: no core file can be written");
  return Capability::works_because(fmt::format(
      "core_pattern \"{}\", RLIMIT_CORE hard limit {}", pattern,
      lim.rlim_max == RLIM_INFINITY ? std::string("unlimited") : std::to_string(lim.rlim_max)));
}

Capability probe_perf_events() {
  perf_event_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.type = PERF_TYPE_SOFTWARE;
  attr.size = sizeof(attr);
  attr.config = PERF_COUNT_SW_TASK_CLOCK;
  attr.exclude_kernel = 1;
  const int fd =
      static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC));
  if (fd < 0) {
    std::string paranoid;
    std::ifstream("/proc/sys/kernel/perf_event_paranoid") >> paranoid;
    return Capability::refused_because(
        fmt::format("perf_event_open (task-clock): {}{}", std::strerror(errno),
                    paranoid.empty() ? "" : fmt::format(" (perf_event_paranoid {})", paranoid)));
  }
  close(fd);
  return Capability::works_because("a task-clock software event opened");
}

ClockFacts probe_clock() {
  ClockFacts c;
  std::ifstream("/sys/devices/system/clocksource/clocksource0/current_clocksource") >> c.source;
  timespec res;
  if (clock_getres(CLOCK_MONOTONIC, &res) == 0)
    c.resolution_ns =
        static_cast<uint64_t>(res.tv_sec) * 1000000000ull + static_cast<uint64_t>(res.tv_nsec);
  // The smallest step between two changes of the reading (the first change only synchronises:
  // a reading taken mid-tick is closer to the next). A clock of 4 ms ticks takes 20 ms here.
  auto next_change = [](uint64_t from) {
    uint64_t t = from;
    for (long spins = 0; t == from && spins < 100000000; ++spins)
      t = monotonic_ns();
    return t;
  };
  uint64_t smallest = 0;
  uint64_t last = next_change(monotonic_ns());
  for (int steps = 0; steps < 4; ++steps) {
    const uint64_t t = next_change(last);
    if (t > last && (smallest == 0 || t - last < smallest)) smallest = t - last;
    last = t;
  }
  c.step_ns = smallest;
  return c;
}

}  // namespace sigctx
