// Each injector's cost per injected event (issue 10), on the gpr_mix dirty routine with every
// component loaded and the clobbering handler: RFLAGS.TF stepping (every boundary), stepping
// with a nested signal at each boundary, a hardware execution breakpoint and an int3 in a
// writable copy (one boundary each), and ptrace single-stepping of a traced child. The plain
// run of the same routine (no trap) is timed beside each and subtracted:
//
//   ns_per_event = (run with the injector - plain run) / events
//
// A breakpoint and an int3 inject one event per run, so theirs includes what that event costs
// to set up: perf_event_open and close for the breakpoint, the writable copy for int3.
#include <benchmark/benchmark.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_support.h"
#include "engine/handler.h"
#include "engine/hold.h"
#include "engine/routine_run.h"
#include "engine/routine_trap.h"
#include "xstate/component_registry.h"
#include "xstate/routines/routine.h"

namespace sigctx {
namespace {

using Clock = std::chrono::steady_clock;

struct RoutineBench {
  RoutineBench() : m(bench_machine()) {
    init_signal_runtime(m);
    mask = bench_components();
    fill_main_and_handler(mask, *in, *irritator);
    in->host_fsbase = sigctx_host_fsbase;
    loaders = loaders_for(m, mask);
    stores = stores_for(m, mask);
    plan = {PLAN_ACTION_ROUTINE, loaders.data(), stores.data(), default_hold_options(m)};
    handler_plan().reset();
    handler_plan().machine = &m;
    handler_plan().irritator[0] = {irritator.get(), loaders.data()};
    for (int sig : {SIGTRAP, kStepNestedSignal, kCaptureSignal})
      install_handler(sig, false);
  }
  ~RoutineBench() {
    for (int sig : {SIGTRAP, kStepNestedSignal, kCaptureSignal})
      uninstall_handler(sig);
  }
  RoutineRunResult run(const RoutineRunRequest& req) {
    out->clear();
    out->host_fsbase = sigctx_host_fsbase;
    return run_routine(m, req, plan, *in, *out, nullptr);
  }
  const Machine& m;
  ComponentMask mask = 0;
  std::unique_ptr<CpuImage> in = std::make_unique<CpuImage>(), out = std::make_unique<CpuImage>(),
                            irritator = std::make_unique<CpuImage>();
  RoutineList loaders, stores;
  HoldPlan plan;
};

const DirtyRoutine& routine() {
  return *find_routine("gpr_mix");
}

void injector_cost(benchmark::State& state, Injector injector, HandlerAction t) {
  RoutineBench b;
  RoutineRunRequest plain, traced, inject;
  plain.routine = traced.routine = inject.routine = &routine();
  plain.inject = false;
  // The boundaries of one run, for choosing a breakpoint's instruction and occurrence.
  std::vector<uint32_t> trace;
  trace.reserve(1 << 16);  // the handler appends without allocating
  traced.action = HandlerAction::kNone;
  traced.trace = &trace;
  if (!b.run(traced).error.empty() || trace.empty()) {
    state.SkipWithError("could not step the routine");
    return;
  }
  inject.injector = injector;
  inject.action = t;
  if (injector != Injector::kStep) {
    // The middle boundary, at its first execution (what int3 can reach).
    uint64_t at = trace.size() / 2;
    while (at > 0 && [&] {
      for (uint64_t j = 0; j < at; ++j)
        if (trace[j] == trace[at]) return true;
      return false;
    }())
      --at;
    inject.selection.at = static_cast<int64_t>(at);
    inject.target_dynamic = at;
    inject.target_offset = trace[at];
    inject.occurrence = 1;
  }
  uint64_t events = 0;
  double inject_ns = 0, plain_ns = 0;
  for (auto _ : state) {
    auto t0 = Clock::now();
    const RoutineRunResult r = b.run(inject);
    inject_ns += std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
    if (!r.error.empty()) {
      state.SkipWithError(r.error.c_str());
      return;
    }
    events += r.injected;
    t0 = Clock::now();
    b.run(plain);
    plain_ns += std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
  }
  if (events == 0) {
    state.SkipWithError("no event was injected");
    return;
  }
  state.counters["events_per_run"] = static_cast<double>(events) / state.iterations();
  state.counters["ns_per_event"] = (inject_ns - plain_ns) / static_cast<double>(events);
  state.counters["x_getppid"] = (inject_ns - plain_ns) / static_cast<double>(events) / getppid_ns();
}

void BM_InjectorStep(benchmark::State& s) {
  injector_cost(s, Injector::kStep, HandlerAction::kClobber);
}
BENCHMARK(BM_InjectorStep)->Unit(benchmark::kMicrosecond);
void BM_InjectorStepNested(benchmark::State& s) {
  injector_cost(s, Injector::kStep, HandlerAction::kNested);
}
BENCHMARK(BM_InjectorStepNested)->Unit(benchmark::kMicrosecond);
void BM_InjectorHwbp(benchmark::State& s) {
  injector_cost(s, Injector::kHwbp, HandlerAction::kClobber);
}
BENCHMARK(BM_InjectorHwbp)->Unit(benchmark::kMicrosecond);
void BM_InjectorInt3(benchmark::State& s) {
  injector_cost(s, Injector::kInt3, HandlerAction::kClobber);
}
BENCHMARK(BM_InjectorInt3)->Unit(benchmark::kMicrosecond);

// PTRACE_SINGLESTEP of a child spinning in a loop: one stop and one resume per instruction.
void BM_InjectorPtraceSingleStep(benchmark::State& state) {
  const pid_t child = fork();
  if (child == 0) {
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    raise(SIGSTOP);
    for (;;)
      asm volatile("" ::: "memory");  // spin: every step lands in this loop
  }
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child || !WIFSTOPPED(status)) {
    state.SkipWithError("could not trace a child");
    return;
  }
  uint64_t steps = 0;
  const auto t0 = Clock::now();
  for (auto _ : state) {
    ptrace(PTRACE_SINGLESTEP, child, nullptr, nullptr);
    waitpid(child, &status, 0);
    ++steps;
  }
  const double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
  kill(child, SIGKILL);
  waitpid(child, &status, 0);
  const double per_step = ns / static_cast<double>(steps);
  state.counters["ns_per_event"] = per_step;
  state.counters["x_getppid"] = per_step / getppid_ns();
}
BENCHMARK(BM_InjectorPtraceSingleStep);

}  // namespace
}  // namespace sigctx
