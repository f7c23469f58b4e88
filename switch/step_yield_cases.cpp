// switch/step-yield/<routine>: a context switch at every instruction boundary of a dirty
// routine. The SIGTRAP handler of TF stepping calls sched_yield to a sibling thread pinned to
// the same CPU, which holds its own pattern across its own yields; both threads must keep their
// state (engine/routine_case.h).
#include "engine/routine_case.h"
#include "switch/switch_cases.h"

namespace sigctx {

namespace {

constexpr RoutineKindRow kStepYield = {
    RoutineKind::kStepYield,
    "step-yield",
    "at every boundary the SIGTRAP handler calls sched_yield, switching to a sibling thread "
    "pinned to the same CPU that holds its own pattern across its own sched_yield calls, then "
    "clobbers; the result must equal an uninjected run and the sibling must keep its pattern",
    Injector::kStep,
    HandlerAction::kYield,
    kStepVariantGenerations,
    "switch"};

}  // namespace

std::vector<CaseDescriptor> step_yield_cases() {
  std::vector<CaseDescriptor> out;
  add_routine_cases(kStepYield, out);
  return out;
}

}  // namespace sigctx
