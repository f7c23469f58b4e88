// Signal round-trip costs, each also reported as a ratio to a getppid() syscall measured in the
// same run ("x_getppid"), so figures from noisy or different machines compare.
//
//   build/bench/sigctx_bench --benchmark_out=bench.json --benchmark_out_format=json
#include <benchmark/benchmark.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>

#include "bench/bench_support.h"
#include "engine/handler.h"
#include "engine/hold.h"
#include "xstate/component_registry.h"

namespace sigctx {
namespace {

// Runs body state.iterations() times and reports the ratio to getppid.
template <typename Body>
void timed(benchmark::State& state, Body body) {
  const double base = getppid_ns();
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state)
    body();
  const double ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  state.counters["x_getppid"] = ns / static_cast<double>(state.iterations()) / base;
}

void BM_Getppid(benchmark::State& state) {
  timed(state, [] { benchmark::DoNotOptimize(syscall(SYS_getppid)); });
}
BENCHMARK(BM_Getppid);

// One signal to this thread: delivery, the handler entry (no irritation), sigreturn.
void BM_SignalRoundTrip(benchmark::State& state) {
  init_signal_runtime(bench_machine());
  handler_plan().irritate = false;
  install_handler(kPrimarySignal, false);
  timed(state, [] { raise_in_this_thread(kPrimarySignal); });
  uninstall_handler(kPrimarySignal);
}
BENCHMARK(BM_SignalRoundTrip);

// One iteration of signal/sync/all: load every component, raise, irritate, store.
void BM_SyncHoldAllComponents(benchmark::State& state) {
  const Machine& m = bench_machine();
  init_signal_runtime(m);
  const ComponentMask mask = available_components(m);
  auto in = std::make_unique<CpuImage>(), out = std::make_unique<CpuImage>(),
       irritator = std::make_unique<CpuImage>();
  fill_main_and_handler(mask, *in, *irritator);
  in->host_fsbase = out->host_fsbase = sigctx_host_fsbase;
  in->gpr[kRax] = SYS_tgkill;
  in->gpr[kRdi] = static_cast<uint64_t>(getpid());
  in->gpr[kRsi] = static_cast<uint64_t>(syscall(SYS_gettid));
  in->gpr[kRdx] = kPrimarySignal;
  const RoutineList loaders = loaders_for(m, mask), stores = stores_for(m, mask);
  const ComponentMask irritated =
      mask & ~(component_bit(ComponentId::kFsbase) | component_bit(ComponentId::kGsbase));
  const RoutineList irritator_loaders = loaders_for(m, irritated);
  handler_plan().irritator[0] = {irritator.get(), irritator_loaders.data()};
  install_handler(kPrimarySignal, false);
  const HoldPlan plan{PLAN_ACTION_SYSCALL, loaders.data(), stores.data(), default_hold_options(m)};
  timed(state, [&] { sigctx_hold(in.get(), out.get(), &plan); });
  uninstall_handler(kPrimarySignal);
}
BENCHMARK(BM_SyncHoldAllComponents);

}  // namespace
}  // namespace sigctx
