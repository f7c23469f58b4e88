// The cross-process canary: processes pinned to one CPU, each holding its own pattern, must
// never see each other's values (the LazyFP and Zenbleed class). The units are forked processes
// of the switch engine; results come back over shared memory.
#include "process/process_cases.h"

#include <fmt/format.h>

#include "switch/switch_case_engine.h"
#include "switch/switch_variants.h"

namespace sigctx {

std::vector<CaseDescriptor> process_cases() {
  std::vector<CaseDescriptor> cases;
  for (const SwitchVariant& v : switch_variants()) {
    CaseDescriptor canary = make_switch_case(
        fmt::format("process/canary/{}", v.name),
        fmt::format("{}: 4 processes pinned to one CPU spin for 30 ms holding their patterns; "
                    "only the timer switches them, and none may see another's values",
                    v.description),
        {SwitchMode::kSpin, SwitchUnit::kProcess, v.components, v.mixed}, v);
    canary.injector = "timer preemption";
    cases.push_back(std::move(canary));
    CaseDescriptor yield = make_switch_case(
        fmt::format("process/yield/{}", v.name),
        fmt::format("{}: 4 processes pinned to one CPU each call sched_yield 64 times holding "
                    "their patterns; none may see another's values",
                    v.description),
        {SwitchMode::kYield, SwitchUnit::kProcess, v.components, v.mixed}, v);
    yield.injector = "sched_yield loop";
    cases.push_back(std::move(yield));
  }
  return cases;
}

}  // namespace sigctx
