#include "bench/bench_support.h"

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>

#include "xstate/component_registry.h"
#include "xstate/components/xsave_other.h"

namespace sigctx {

const Machine& bench_machine() {
  static const Machine m = [] {
    Machine live = probe_machine();
    bind_xsave_other(live);
    prepare_components(live, available_components(live));
    benchmark::AddCustomContext("sigctx_machine", live.summary_line());
    benchmark::AddCustomContext("sigctx_xcr0", fmt::format("{:#x}", live.xcr0));
    benchmark::AddCustomContext("sigctx_components", component_names(available_components(live)));
    return live;
  }();
  return m;
}

double getppid_ns() {
  static const double ns = [] {
    constexpr int kCalls = 200000;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kCalls; ++i)
      benchmark::DoNotOptimize(syscall(SYS_getppid));
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() /
           kCalls;
  }();
  return ns;
}

ComponentMask bench_components() {
  return available_components(bench_machine()) &
         ~(component_bit(ComponentId::kFsbase) | component_bit(ComponentId::kGsbase));
}

void fill_main_and_handler(ComponentMask mask, CpuImage& main, CpuImage& handler) {
  const Machine& m = bench_machine();
  main.clear();
  handler.clear();
  for (const ComponentDescriptor* c : all_components())
    if (mask & component_bit(c->id)) {
      c->fill(main, m, {1, kRoleMain, 1}, Shape::kLanes);
      c->fill(handler, m, {1, kRoleHandler1, 1}, Shape::kLanes);
    }
}

}  // namespace sigctx
