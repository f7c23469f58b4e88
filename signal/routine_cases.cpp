#include "signal/routine_cases.h"

#include "engine/routine_case.h"

namespace sigctx {

namespace {

constexpr RoutineKindRow kSignalKinds[] = {
    {RoutineKind::kStep, "step",
     "TF stepping fires a SIGTRAP at every instruction boundary; the handler clobbers every "
     "component; the result must equal an uninjected run",
     Injector::kStep, HandlerAction::kClobber, kStepGenerations},
    {RoutineKind::kStepNested, "step-nested",
     "at every boundary the SIGTRAP handler clobbers and raises a second signal, blocked until "
     "sigreturn, that lands at the same boundary and clobbers again",
     Injector::kStep, HandlerAction::kNested, kStepVariantGenerations},
    {RoutineKind::kStepEdit, "step-edit",
     "at every boundary the handler edits a register the routine never touches; the next "
     "boundary's frame must show the edit, which is then undone",
     Injector::kStep, HandlerAction::kEdit, kStepVariantGenerations},
    {RoutineKind::kStepFrame, "step-frame",
     "every boundary's signal frame must equal the frame of a clean stepped run at that boundary",
     Injector::kStep, HandlerAction::kCheckFrame, kStepVariantGenerations},
    {RoutineKind::kHwbp, "hwbp",
     "a perf_event_open hardware breakpoint (sigtrap=1) fires at a sample of boundaries, one per "
     "run; the handler clobbers",
     Injector::kHwbp, HandlerAction::kClobber, 2},
    {RoutineKind::kInt3, "int3",
     "an int3 patched into a copy of the routine fires at a sample of first executions, one per "
     "run; the handler clobbers",
     Injector::kInt3, HandlerAction::kClobber, 2},
    {RoutineKind::kStorm, "storm",
     "the routine runs in a loop under signal storms from a sibling thread's tgkill, a POSIX "
     "timer and a task-clock perf event; the result must equal the loop's without signals",
     Injector::kAsync, HandlerAction::kClobber, 1},
};

}  // namespace

std::vector<CaseDescriptor> routine_cases() {
  std::vector<CaseDescriptor> out;
  for (const RoutineKindRow& kind : kSignalKinds)
    add_routine_cases(kind, out);
  return out;
}

}  // namespace sigctx
