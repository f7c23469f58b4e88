// Cases over the dirty routines (xstate/routines/):
//   signal/step/<routine>         TF at every boundary, the SIGTRAP handler clobbers everything
//   signal/step-nested/<routine>  ... and a second signal lands at the same boundary
//   signal/step-edit/<routine>    a frame edit at every boundary must take effect at the next
//   signal/step-frame/<routine>   every boundary's frame must equal a clean reference run's
//   signal/hwbp/<routine>         a hardware breakpoint at a sample of boundaries
//   signal/int3/<routine>         an int3 in a copy at a sample of first executions
//   signal/storm/<routine>        the routine in a loop under tgkill, POSIX-timer and task-clock
//                                signal storms
// The oracle is always the routine run without injection; a failure is localised to its
// boundary and the state the sigreturn there restored is diffed register by register.
#pragma once

#include <vector>

#include "engine/case.h"

namespace sigctx {

std::vector<CaseDescriptor> routine_cases();

// Whether the platform lets an injector reach its boundaries (its probe's finding if not):
// perf breakpoints that fire for hwbp, int3 traps that reach the handler for int3.
Availability injector_allowed(const Machine& m, Injector injector);

// Generations (patterns) per case, so that the default run makes well over 100,000 exact
// injections (every boundary of every generation).
constexpr unsigned kStepGenerations = 96;
constexpr unsigned kStepVariantGenerations = 16;
constexpr unsigned kBreakpointSamples = 12;

}  // namespace sigctx
