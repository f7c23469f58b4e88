// What a signal costs with more state in use (issue 10). Each benchmark holds one in-use set,
// the components whose XINUSE bits are set when the signal arrives, and raises the signal with
// a raw tgkill from the hand-written hold driver; the handler does nothing. The same hold with
// getppid instead of tgkill runs beside it, so loading the set cancels out:
//
//   round trip = hold(tgkill) - hold(getppid) + getppid
//
// reported as round_trip_ns and as x_getppid, its ratio to a getppid measured in the same run.
// xinuse is XGETBV(1) just before the tgkill, proof of the set really in use.
#include <benchmark/benchmark.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_support.h"
#include "engine/altstack.h"
#include "engine/handler.h"
#include "engine/hold.h"
#include "xstate/component_registry.h"
#include "xstate/init_state.h"

namespace sigctx {
namespace {

struct InUseSet {
  const char* name;
  std::vector<ComponentId> components;
};

const std::vector<InUseSet>& in_use_sets() {
  using C = ComponentId;
  static const std::vector<InUseSet> sets = {
      {"init", {}},
      {"sse", {C::kMxcsr, C::kSse}},
      {"avx", {C::kMxcsr, C::kSse, C::kAvx}},
      {"avx512", {C::kMxcsr, C::kSse, C::kAvx, C::kOpmask, C::kZmmHi256, C::kHi16Zmm}},
      {"amx",
       {C::kMxcsr, C::kSse, C::kAvx, C::kOpmask, C::kZmmHi256, C::kHi16Zmm, C::kAmxTilecfg,
        C::kAmxTiledata}},
  };
  return sets;
}

// One prepared hold: `loaded` loaded, every other XSAVE component put into its init state.
struct SetHold {
  SetHold(const Machine& m, ComponentMask loaded, long syscall_nr) {
    in->clear();
    out->clear();
    for (const ComponentDescriptor* c : all_components())
      if (loaded & component_bit(c->id)) c->fill(*in, m, {1, kRoleMain, 1}, Shape::kLanes);
    in->init_mask = xsave_init_mask(init_loadable(m, available_components(m) & ~loaded));
    in->host_fsbase = out->host_fsbase = sigctx_host_fsbase;
    in->gpr[kRax] = static_cast<uint64_t>(syscall_nr);
    in->gpr[kRdi] = static_cast<uint64_t>(getpid());
    in->gpr[kRsi] = static_cast<uint64_t>(syscall(SYS_gettid));
    in->gpr[kRdx] = kPrimarySignal;
    loaders = loaders_for(m, loaded);
    plan = {PLAN_ACTION_SYSCALL, loaders.data(), stores.data(), default_hold_options(m)};
  }
  void run() { sigctx_hold(in.get(), out.get(), &plan); }
  std::unique_ptr<CpuImage> in = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> out = std::make_unique<CpuImage>();
  RoutineList loaders, stores;  // no stores: only the transition is timed (and XINUSE recorded)
  HoldPlan plan;
};

// Times `n` runs of hold, in ns per run.
double per_run_ns(SetHold& hold, int64_t n) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < n; ++i)
    hold.run();
  return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() /
         static_cast<double>(n);
}

// The round trip of one signal with `set` in use; the handler runs on an alternate stack when
// `altstack`, and raises a nested signal (counted as a second round trip) when `nested`.
void signal_with_set(benchmark::State& state, const InUseSet& set, bool altstack, bool nested) {
  const Machine& m = bench_machine();
  ComponentMask loaded = 0;
  for (ComponentId id : set.components) {
    const Availability a = component(id).availability(m);
    if (!a.ok) {
      state.SkipWithError((std::string(component(id).name) + ": " + a.reason).c_str());
      return;
    }
    loaded |= component_bit(id);
  }
  init_signal_runtime(m);
  HandlerPlan& plan = handler_plan();
  plan.reset();
  plan.machine = &m;
  plan.irritate = false;
  std::unique_ptr<GuardedAltstack> stack;
  if (altstack) {
    stack =
        std::make_unique<GuardedAltstack>(std::max<size_t>(smallest_accepted_altstack(), 65536));
    if (!stack->ok() || !stack->install()) {
      state.SkipWithError("sigaltstack failed");
      return;
    }
  }
  install_handler(kPrimarySignal, altstack);
  // Nested: the level-1 handler holds nothing of its own but raises kNestedSignal once.
  std::unique_ptr<CpuImage> nested_in, nested_out;
  NestedHold hold_in_handler;
  RoutineList none;
  if (nested) {
    install_handler(kNestedSignal, false);
    nested_in = std::make_unique<CpuImage>();
    nested_out = std::make_unique<CpuImage>();
    nested_in->clear();
    nested_out->clear();
    nested_in->host_fsbase = nested_out->host_fsbase = sigctx_host_fsbase;
    nested_in->gpr[kRax] = SYS_tgkill;
    nested_in->gpr[kRdi] = static_cast<uint64_t>(getpid());
    nested_in->gpr[kRsi] = static_cast<uint64_t>(syscall(SYS_gettid));
    nested_in->gpr[kRdx] = kNestedSignal;
    hold_in_handler = {nested_in.get(), nested_out.get(),
                       HoldPlan{PLAN_ACTION_SYSCALL, none.data(), none.data(), 0}};
    plan.nested = &hold_in_handler;
  }
  SetHold with_signal(m, loaded, SYS_tgkill), with_getppid(m, loaded, SYS_getppid);
  const double base = getppid_ns();
  double signal_ns = 0;
  int64_t runs = 0;
  for (auto _ : state) {
    with_signal.run();
    ++runs;
  }
  // Timed apart from the loop above so the loop's own figure stays the plain hold.
  signal_ns = per_run_ns(with_signal, std::max<int64_t>(runs, 1000));
  const double getppid_hold_ns = per_run_ns(with_getppid, std::max<int64_t>(runs, 1000));
  plan.nested = nullptr;
  if (nested) uninstall_handler(kNestedSignal);
  uninstall_handler(kPrimarySignal);
  if (altstack) GuardedAltstack::disable();
  const double deliveries = nested ? 2.0 : 1.0;
  const double round_trip = (signal_ns - getppid_hold_ns + base) / deliveries;
  state.counters["round_trip_ns"] = round_trip;
  state.counters["x_getppid"] = round_trip / base;
  // XGETBV(1) the hold recorded just before its SYSCALL (the handler itself starts from the
  // init state Linux gives it).
  state.counters["xinuse"] = static_cast<double>(with_signal.out->xinuse);
  state.SetLabel(set.name);
}

void register_in_use_benchmarks() {
  for (const InUseSet& set : in_use_sets()) {
    benchmark::RegisterBenchmark(
        (std::string("BM_SignalInUse/") + set.name).c_str(),
        [&set](benchmark::State& s) { signal_with_set(s, set, false, false); });
  }
  const InUseSet& avx = in_use_sets()[2];
  benchmark::RegisterBenchmark("BM_SignalInUse/avx/altstack", [&avx](benchmark::State& s) {
    signal_with_set(s, avx, true, false);
  });
  benchmark::RegisterBenchmark("BM_SignalInUse/avx/nested", [&avx](benchmark::State& s) {
    signal_with_set(s, avx, false, true);
  });
}

const bool kRegistered = (register_in_use_benchmarks(), true);

}  // namespace
}  // namespace sigctx
