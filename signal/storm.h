// Signal storms over a dirty kernel running in a loop (the hold driver's KERNEL_LOOP): statistical
// rather than exact, for soak runs. Three sources, one phase each: a sibling thread's tgkill
// (SIGUSR1), a POSIX timer aimed at the thread (SIGALRM), and a task-clock perf event whose
// overflow is routed to the thread as SIGURG (the signal Go preempts with).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "signal/hold.h"
#include "xstate/kernels/kernel.h"

namespace sigctx {

struct StormPhase {
  std::string name;
  uint64_t delivered_in_kernel = 0;  // deliveries that interrupted the hold or the kernel
  CpuImage out;
  std::string memory;  // what the memory check said, when it failed
};

// For kernels that write memory: a driver the loop calls in place of the kernel (which calls
// the kernel itself; alloc/zero_sweep.S), and a check after each run whose non-empty answer
// fails the phase.
struct StormMemory {
  const char* driver = nullptr;
  std::function<std::string()> check;
};

struct StormResult {
  std::string error;
  uint64_t delivered_in_kernel = 0;
  nlohmann::json facts = nlohmann::json::object();
  std::vector<StormPhase> failed_phases;  // phases whose result differs from the reference
};

// Runs the reference loop into `ref`, then each storm phase into `out`, comparing the images
// over `compared`. `reset` restores any memory the kernel writes before each run.
StormResult run_storms(const Machine& m, const DirtyKernel& k, const HoldPlan& plan,
                       const CpuImage& in, CpuImage& out, CpuImage& ref, ComponentMask compared,
                       const std::function<void()>& reset, const StormMemory& memory = {});

constexpr double kStormPhaseMs = 15.0;

}  // namespace sigctx
