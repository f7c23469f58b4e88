// Signal storms over a dirty routine running in a loop (the hold driver's ROUTINE_LOOP):
// statistical rather than exact, for soak runs. Three sources, one phase each: a sibling thread's
// tgkill (SIGUSR1), a POSIX timer aimed at the thread (SIGALRM), and a task-clock perf event whose
// overflow is routed to the thread as SIGURG (the signal Go preempts with).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/hold.h"
#include "xstate/routines/routine.h"

namespace sigctx {

struct StormPhase {
  std::string name;                   // as reports say it: "tgkill storm", "SIGURG storm (chunk 3)"
  uint64_t delivered_in_routine = 0;  // deliveries that interrupted the hold or the routine
  CpuImage ref;                       // the same loop without signals
  CpuImage out;
  std::string memory;  // what the memory check said, when it failed
};

// For routines that write memory: a driver the loop calls in place of the routine (which calls
// the routine itself; xstate/routines/zero_sweep.S), and a check after each run whose non-empty
// answer fails the phase.
struct StormMemory {
  const char* driver = nullptr;
  std::function<std::string()> check;
};

struct StormResult {
  std::string error;
  uint64_t delivered_in_routine = 0;
  nlohmann::json facts = nlohmann::json::object();
  std::vector<StormPhase> failed_phases;  // phases whose result differs from the reference
};

// Runs the reference loop into `ref`, then each storm phase into `out`, comparing the images
// over `compared`. `reset` restores any memory the routine writes before each run.
StormResult run_storms(const Machine& m, const DirtyRoutine& k, const HoldPlan& plan,
                       const CpuImage& in, CpuImage& out, CpuImage& ref, ComponentMask compared,
                       const std::function<void()>& reset, const StormMemory& memory = {});

constexpr double kStormPhaseMs = 15.0;
// The POSIX timer's and the task clock's period: kStormPeriodNs, or four of the platform's
// measured deliveries (PlatformCapabilities::delivery_ns) where one costs more than a quarter of
// it.
constexpr long kStormPeriodNs = 20000;
long storm_period_ns(const Machine& m);

// A timed storm, as a runtime's preemption delivers it: first the loop alone for
// baseline_seconds, then under a sibling thread's tgkill of `signal` (one in flight at a time)
// for seconds, in chunks of about kPreemptChunkMs each compared with the reference and checked
// by memory.check. It stops at the first bad chunk, and runs past `seconds` (for at most
// kPreemptGraceSeconds) until a signal has landed inside the routine.
struct PreemptStormOptions {
  int signal = 0;
  double seconds = 0;
  double baseline_seconds = 0;
};
struct PreemptStormResult {
  std::string error;
  uint64_t loops_per_chunk = 0;
  uint64_t baseline_loops = 0, storm_loops = 0;
  double baseline_seconds = 0, storm_seconds = 0;
  uint64_t sent = 0, delivered = 0, delivered_in_routine = 0;
  uint64_t chunks = 0;
  std::vector<StormPhase> failed_chunks;  // at most one: the storm stops there
};
PreemptStormResult run_preempt_storm(const Machine& m, const DirtyRoutine& k, const HoldPlan& plan,
                                     const CpuImage& in, CpuImage& out, CpuImage& ref,
                                     ComponentMask compared, const std::function<void()>& reset,
                                     const StormMemory& memory, const PreemptStormOptions& o);

constexpr double kPreemptChunkMs = 50.0;
constexpr double kPreemptGraceSeconds = 5.0;

}  // namespace sigctx
