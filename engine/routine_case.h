// The engine of the cases over the dirty routines (xstate/routines/): each kind injects at the
// routine's instruction boundaries (or, for the storms, anywhere in a loop of it), and the oracle
// is always the routine run without injection; a failure is localised to its boundary and the
// state the sigreturn there restored is diffed register by register. The families list their
// kinds: signal/ the step, hwbp, int3 and storm kinds, switch/ step-yield, alloc/ go-preempt.
#pragma once

#include <vector>

#include "engine/case.h"

namespace sigctx {

enum class RoutineKind {
  kStep,
  kStepNested,
  kStepEdit,
  kStepFrame,
  kStepYield,
  kHwbp,
  kInt3,
  kStorm,
  kGoPreempt
};

// One kind of routine case: a row of a family's table (signal/routine_cases.cpp,
// switch/step_yield_cases.cpp, alloc/go_preempt_cases.cpp). Rows live as long as the program:
// the cases keep a pointer to theirs.
struct RoutineKindRow {
  RoutineKind kind;
  const char* prefix;  // case id: <area>/<prefix>/<routine>
  const char* what;
  Injector injector;
  HandlerAction action;  // what the handler does at each boundary
  unsigned generations;
  const char* area = "signal";
  const char* only_routine = nullptr;  // registered for this routine alone
  const char* profile = nullptr;       // CaseDescriptor::profile
};

// The cases of one kind, one per dirty routine it takes (xstate/routines/).
void add_routine_cases(const RoutineKindRow& kind, std::vector<CaseDescriptor>& out);

// Whether the platform lets an injector reach its boundaries (its probe's finding if not):
// perf breakpoints that fire for hwbp, int3 traps that reach the handler for int3.
Availability injector_allowed(const Machine& m, Injector injector);

// Generations (patterns) per case, so that the default run makes well over 100,000 exact
// injections (every boundary of every generation).
constexpr unsigned kStepGenerations = 96;
constexpr unsigned kStepVariantGenerations = 16;
constexpr unsigned kBreakpointSamples = 12;

}  // namespace sigctx
