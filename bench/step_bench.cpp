// The cost of exhaustive injection per instruction boundary:
//   BM_StepBare          TF stepping over a dirty routine with an empty SIGTRAP handler;
//   BM_StepSweepChecked  the real sweep of signal/step/<routine>: a reference run, then stepping
//                        with the clobbering handler at every boundary, then the comparison.
// BM_StepSweepChecked reports x_bare, its cost per boundary over BM_StepBare's, measured in the
// same run (the target is at most 1.25). Each runs twice: /0 with this machine's FS/GS base
// access, /1 as on a machine without RD/WRFSBASE (every access an arch_prctl), where the
// handler once paid two system calls per boundary to read bases it could know.
#include <benchmark/benchmark.h>
#include <signal.h>
#include <ucontext.h>

#include <atomic>
#include <chrono>
#include <cstring>

#include "bench/bench_support.h"
#include "engine/handler.h"
#include "engine/hold.h"
#include "engine/routine_run.h"
#include "xstate/component_registry.h"
#include "xstate/diff.h"
#include "xstate/routines/routine.h"

namespace sigctx {
namespace {

using Clock = std::chrono::steady_clock;

const DirtyRoutine& bench_routine() {
  return *find_routine("gpr_mix");
}

struct Images {
  std::unique_ptr<CpuImage> in = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> out = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> ref = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> irritator = std::make_unique<CpuImage>();
  Images() { fill_main_and_handler(bench_components(), *in, *irritator); }
};

std::atomic<uint64_t> g_bare_traps{0};
double g_bare_ns_per_boundary[2] = {0, 0};

// This machine, or (variant 1) the same without the FSGSBASE instructions.
const Machine& variant_machine(int64_t without_fsgsbase) {
  static const Machine as_is = bench_machine();
  static const Machine without = [] {
    Machine m = bench_machine();
    m.auxv.hwcap2_fsgsbase = false;
    return m;
  }();
  return without_fsgsbase ? without : as_is;
}

void bare_trap(int, siginfo_t*, void* uc) {
  g_bare_traps.fetch_add(1, std::memory_order_relaxed);
  auto* u = static_cast<ucontext_t*>(uc);
  if (static_cast<uint64_t>(u->uc_mcontext.gregs[REG_RIP]) ==
      reinterpret_cast<uint64_t>(sigctx_hold_step_return))
    u->uc_mcontext.gregs[REG_EFL] &= ~0x100;
}

void BM_StepBare(benchmark::State& state) {
  const Machine& m = variant_machine(state.range(0));
  init_signal_runtime(m);
  Images img;
  const RoutineList loaders = loaders_for(m, bench_components());
  const RoutineList stores = stores_for(m, bench_components());
  const HoldPlan plan{PLAN_ACTION_ROUTINE_STEP, loaders.data(), stores.data(),
                      default_hold_options(m)};
  sigctx_active_routine = bench_routine().entry;
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = bare_trap;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGTRAP, &sa, nullptr);
  g_bare_traps = 0;
  const auto t0 = Clock::now();
  for (auto _ : state)
    sigctx_hold(img.in.get(), img.out.get(), &plan);
  const double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
  signal(SIGTRAP, SIG_DFL);
  // Every trap but the one at the return is a routine boundary.
  const uint64_t boundaries = g_bare_traps.load() - state.iterations();
  const double per = ns / static_cast<double>(boundaries);
  g_bare_ns_per_boundary[state.range(0)] = per;
  state.counters["boundaries"] = static_cast<double>(boundaries) / state.iterations();
  state.counters["ns_per_boundary"] = per;
}
BENCHMARK(BM_StepBare)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->MinTime(1.0);

void BM_StepSweepChecked(benchmark::State& state) {
  const Machine& m = variant_machine(state.range(0));
  init_signal_runtime(m);
  // The bench's components leave FS/GS base the host's, as a routine case does where it cannot
  // afford them.
  const HostBasesKnown known(true);
  Images img;
  const ComponentMask mask = bench_components();
  const RoutineList loaders = loaders_for(m, mask), stores = stores_for(m, mask);
  const HoldPlan plan{PLAN_ACTION_ROUTINE, loaders.data(), stores.data(), default_hold_options(m)};
  handler_plan().irritator[0] = {img.irritator.get(), loaders.data()};
  install_handler(SIGTRAP, false);
  RoutineRunRequest plain, sweep;
  plain.routine = sweep.routine = &bench_routine();
  plain.inject = false;
  sweep.action = HandlerAction::kClobber;
  ClassifyContext ctx;
  ctx.machine = &m;
  DiffOptions o;
  o.checked = mask;
  o.gpr_skip = 1u << kRsp;
  uint64_t boundaries = 0;
  size_t differences = 0;
  const auto t0 = Clock::now();
  for (auto _ : state) {
    run_routine(m, plain, plan, *img.in, *img.ref, nullptr);
    boundaries += run_routine(m, sweep, plan, *img.in, *img.out, nullptr).boundaries;
    differences += diff_images(*img.ref, *img.out, m, o, ctx).size();
  }
  const double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
  uninstall_handler(SIGTRAP);
  if (differences) state.SkipWithError("the checked sweep found differences");
  const double per = ns / static_cast<double>(boundaries);
  state.counters["ns_per_boundary"] = per;
  const double bare = g_bare_ns_per_boundary[state.range(0)];
  if (bare > 0) state.counters["x_bare"] = per / bare;
}
BENCHMARK(BM_StepSweepChecked)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->MinTime(1.0);

}  // namespace
}  // namespace sigctx
