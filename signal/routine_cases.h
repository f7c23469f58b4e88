// The signal family's cases over the dirty routines (xstate/routines/), on engine/routine_case.h:
//   signal/step/<routine>         TF at every boundary, the SIGTRAP handler clobbers everything
//   signal/step-nested/<routine>  ... and a second signal lands at the same boundary
//   signal/step-edit/<routine>    a frame edit at every boundary must take effect at the next
//   signal/step-frame/<routine>   every boundary's frame must equal a clean reference run's
//   signal/hwbp/<routine>         a hardware breakpoint at a sample of boundaries
//   signal/int3/<routine>         an int3 in a copy at a sample of first executions
//   signal/storm/<routine>        the routine in a loop under tgkill, POSIX-timer and task-clock
//                                 signal storms
#pragma once

#include <vector>

#include "engine/case.h"

namespace sigctx {

std::vector<CaseDescriptor> routine_cases();

}  // namespace sigctx
