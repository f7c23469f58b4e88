// The cross-process canary: processes pinned to one CPU, each holding its own pattern, must
// never see each other's values (the LazyFP and Zenbleed class). The units are forked processes
// of the switch engine; results come back over shared memory. And fork itself, from the hold
// and from inside a handler.
#include "process/process_cases.h"

#include <fmt/format.h>

#include "engine/switch_case_engine.h"
#include "engine/switch_variants.h"
#include "process/exec_case.h"
#include "process/fork_case.h"
#include "process/fork_reproducer.h"
#include "xstate/component_registry.h"

namespace sigctx {

namespace {

struct CanaryMode {
  const char* name;
  SwitchMode mode;
  const char* injector;
  const char* what;
};

constexpr CanaryMode kCanaryModes[] = {
    {"canary", SwitchMode::kSpin, "timer preemption",
     "4 processes pinned to one CPU spin for 30 ms holding their patterns; only the timer "
     "switches them, and none may see another's values"},
    {"yield", SwitchMode::kYield, "sched_yield loop",
     "4 processes pinned to one CPU each call sched_yield 64 times holding their patterns; none "
     "may see another's values"},
};

}  // namespace

std::vector<CaseDescriptor> process_cases() {
  std::vector<CaseDescriptor> cases;
  for (const SwitchVariant& v : switch_variants())
    for (const CanaryMode& cm : kCanaryModes) {
      CaseDescriptor d =
          make_switch_case(fmt::format("process/{}/{}", cm.name, v.name),
                           fmt::format("{}: {}", v.description, cm.what),
                           {cm.mode, SwitchUnit::kProcess, v.components, v.mixed}, v);
      d.injector = cm.injector;
      cases.push_back(std::move(d));
    }
  for (const SwitchVariant& v : switch_variants()) {
    if (v.mixed) continue;
    // One process holds the pattern: lanes in every component of the case.
    const std::string held = held_description(v);
    for (const bool in_handler : {false, true}) {
      CaseDescriptor d = make_switch_case(
          fmt::format("process/{}/{}", in_handler ? "fork-in-handler" : "fork", v.name),
          in_handler ? fmt::format("{}: a signal handler holds its own pattern across a raw fork; "
                                   "parent and child return from it, and both must have the "
                                   "handler's and the interrupted code's values back",
                                   held)
                     : fmt::format("{}: a raw fork system call inside the hold; parent and "
                                   "child must both come back with every value",
                                   held),
          {}, v);
      // The handler clobbers every component before sigreturn, as the signal cases' does.
      d.guards.clear();
      auto has = [&](ComponentId c) {
        return v.components == 0 || (v.components & component_bit(c));
      };
      if (in_handler && (has(ComponentId::kAvx) || has(ComponentId::kOpmask) ||
                         has(ComponentId::kZmmHi256) || has(ComponentId::kHi16Zmm)))
        d.guards.push_back("illumos-15254");
      if (in_handler &&
          (has(ComponentId::kOpmask) || has(ComponentId::kZmmHi256) || has(ComponentId::kHi16Zmm)))
        d.guards.push_back("uml-avx512-sigreturn");
      if (in_handler && has(ComponentId::kGsbase)) d.guards.push_back("gvisor-gsbase");
      if (in_handler && has(ComponentId::kPkru)) d.guards.push_back("linux-6.12-pkru");
      d.transition = in_handler ? "process/fork-in-handler" : "process/fork";
      d.handler = in_handler ? "nested hold across fork, clobber" : "none";
      d.injector = in_handler ? "raw tgkill, then fork in the handler" : "raw fork syscall";
      const ForkCaseSpec spec{in_handler, v.components};
      d.run = [spec](const CaseContext& ctx, CaseResult& r) { run_fork_case(spec, ctx, r); };
      if (!in_handler) d.reproducer = [v](const Machine&) { return fork_reproducer(v); };
      cases.push_back(std::move(d));
    }
  }
  for (CaseDescriptor& d : exec_cases())
    cases.push_back(std::move(d));
  return cases;
}

}  // namespace sigctx
