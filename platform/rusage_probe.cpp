// Does getrusage count context switches? The switch cases once took a zero count as proof that
// no switch happened and stopped with an error; gVisor counts a thread's sched_yield calls but
// not the times it is preempted or sleeps. Here threads pinned to one CPU take turns, first by
// yielding, then by spinning until the scheduler preempts them, and each sees another's mark
// appear between two of its own steps on the same CPU (read from TSC_AUX, the CPU number the
// kernel keeps there, so a sandbox's own getcpu cannot mislead): proof of switches that rusage
// must then have counted. One thread more than the process has CPUs: where pinning is ignored
// (gVisor), two of them still share one.
#include <cpuid.h>
#include <sched.h>
#include <sys/resource.h>
#include <x86intrin.h>

#include <fmt/format.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "platform/capability_probes.h"

namespace sigctx {

namespace {

constexpr int kWantedYieldTurns = 50;  // per thread
constexpr int kWantedSpinTurns = 4;    // per thread: each waits for a time slice to end
constexpr int kMostYields = 5000;
// Each phase ends after this at the latest: on a loaded CPU each yield may wait a time slice.
constexpr auto kMostPhaseTime = std::chrono::milliseconds(300);

bool has_rdtscp() {
  unsigned eax, ebx, ecx, edx;
  return __get_cpuid(0x80000001, &eax, &ebx, &ecx, &edx) && ((edx >> 27) & 1);
}

unsigned cpu_now() {
  static const bool rdtscp = has_rdtscp();
  if (!rdtscp) return static_cast<unsigned>(sched_getcpu());
  unsigned aux = 0;
  __rdtscp(&aux);
  return aux & 0xfff;  // Linux: node << 12 | cpu
}

struct Turns {
  std::atomic<uint64_t> last{0};  // (cpu << 8) | thread number + 1, of the latest step
  std::atomic<int> ready{0};
  std::atomic<int> done{0};
  int threads = 0;
};

struct ThreadView {
  long voluntary = 0, involuntary = 0;  // rusage's counts for the thread
  int turns_seen = 0;  // the other thread's mark appeared between two steps on one CPU
};

// One step: mark, then (after the step's yield or spin) look whether the other thread marked
// in between from this CPU.
struct Marker {
  Turns& t;
  uint64_t mine = 0;
  explicit Marker(Turns& turns) : t(turns) {}
  void mark(int id) {
    mine = (uint64_t{cpu_now()} << 8) | static_cast<uint64_t>(id + 1);
    t.last.store(mine);
  }
  bool other_ran() const {
    const uint64_t now = t.last.load();
    return now != mine && (now >> 8) == (mine >> 8) && cpu_now() == (mine >> 8);
  }
};

void take_turns(Turns& t, int id, int cpu, bool spin, ThreadView& v) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof(set), &set);
  t.ready.fetch_add(1);
  while (t.ready.load() < t.threads)
    sched_yield();
  rusage before, after;
  getrusage(RUSAGE_THREAD, &before);
  Marker m(t);
  const auto deadline = std::chrono::steady_clock::now() + kMostPhaseTime;
  const int wanted = spin ? kWantedSpinTurns : kWantedYieldTurns;
  for (int i = 0; v.turns_seen < wanted; ++i) {
    m.mark(id);
    if (!spin) {
      if (i >= kMostYields || std::chrono::steady_clock::now() >= deadline) break;
      sched_yield();
    } else {
      // Until preempted: the other thread's mark shows up, or time runs out.
      while (t.last.load() == m.mine && std::chrono::steady_clock::now() < deadline &&
             t.done.load() == 0) {
      }
      if (std::chrono::steady_clock::now() >= deadline || t.done.load()) break;
    }
    v.turns_seen += m.other_ran();
  }
  t.done.fetch_add(1);
  getrusage(RUSAGE_THREAD, &after);
  v.voluntary = after.ru_nvcsw - before.ru_nvcsw;
  v.involuntary = after.ru_nivcsw - before.ru_nivcsw;
}

struct Phase {
  int turns = 0;
  long counted = 0;
};

Phase run_phase(int cpu, int threads, bool spin) {
  Turns turns;
  turns.threads = threads;
  std::vector<ThreadView> views(static_cast<size_t>(threads));
  std::vector<std::thread> running;
  for (int i = 0; i < threads; ++i)
    running.emplace_back(take_turns, std::ref(turns), i, cpu, spin, std::ref(views[i]));
  Phase p;
  for (int i = 0; i < threads; ++i) {
    running[i].join();
    p.turns += views[i].turns_seen;
    p.counted += views[i].voluntary + views[i].involuntary;
  }
  return p;
}

}  // namespace

Capability probe_rusage_switches() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  sched_getaffinity(0, sizeof(allowed), &allowed);
  int cpu = 0;
  while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &allowed))
    ++cpu;
  const int threads = std::min(CPU_COUNT(&allowed), 8) + 1;
  const Phase yielding = run_phase(cpu, threads, false);
  const Phase spinning = run_phase(cpu, threads, true);
  const std::string what = fmt::format(
      "{} threads pinned to CPU {} took turns {} times by sched_yield (getrusage counted {} "
      "switches) and {} times by preemption while spinning (getrusage counted {})",
      threads, cpu, yielding.turns, yielding.counted, spinning.turns, spinning.counted);
  if (yielding.turns == 0 && spinning.turns == 0)
    return Capability::unprobed_because(fmt::format(
        "{} threads pinned to CPU {} were never seen to take turns on it", threads, cpu));
  if ((yielding.turns > 0 && yielding.counted == 0) ||
      (spinning.turns > 0 && spinning.counted == 0))
    return Capability::broken_because(what);
  return Capability::works_because(what);
}

}  // namespace sigctx
