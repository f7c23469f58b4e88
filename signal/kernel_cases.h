// Cases over the dirty kernels (xstate/kernels/):
//   signal/step/<kernel>         TF at every boundary, the SIGTRAP handler clobbers everything
//   signal/step-nested/<kernel>  ... and a second signal lands at the same boundary
//   signal/step-edit/<kernel>    a frame edit at every boundary must take effect at the next
//   signal/step-frame/<kernel>   every boundary's frame must equal a clean reference run's
//   signal/hwbp/<kernel>         a hardware breakpoint at a sample of boundaries
//   signal/int3/<kernel>         an int3 in a copy at a sample of first executions
//   signal/storm/<kernel>        the kernel in a loop under tgkill, POSIX-timer and task-clock
//                                signal storms
// The oracle is always the kernel run without injection; a failure is localised to its
// boundary and the state the sigreturn there restored is diffed register by register.
#pragma once

#include <vector>

#include "engine/case.h"

namespace sigctx {

std::vector<CaseDescriptor> kernel_cases();

// Whether the platform lets an injector reach its boundaries (its probe's finding if not):
// perf breakpoints that fire for hwbp, int3 traps that reach the handler for int3.
Availability injector_allowed(const Machine& m, Injector injector);

// Generations (patterns) per case, so that the default run makes well over 100,000 exact
// injections (every boundary of every generation).
constexpr unsigned kStepGenerations = 96;
constexpr unsigned kStepVariantGenerations = 16;
constexpr unsigned kBreakpointSamples = 12;

}  // namespace sigctx
