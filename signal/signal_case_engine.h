// Runs one signal case: per iteration, fill a pattern, hold it across one or more signal
// deliveries with the handler irritating every component, then compare what came back (and,
// per transition, the frame, the edit, the nested level, the altstack guards).
#pragma once

#include <string>

#include "engine/case.h"

namespace sigctx {

enum class SignalTransition { kSync, kAsync, kFrame, kEdit, kNested, kAltstack };
const char* transition_name(SignalTransition t);

struct SignalCaseSpec {
  SignalTransition transition = SignalTransition::kSync;
  ComponentMask components = 0;  // 0 = every available component (for frame/edit: in the frame)
  Shape shape = Shape::kLanes;
  bool mixed = false;  // alternate lanes and zero across components (seeded)
  // Altstack only: a sibling pinned to this thread's CPU holds its own pattern across a
  // sched_yield loop, and this thread yields to it before every delivery, so the kernel writes
  // each frame into untouched pages right after another task's registers were live on the CPU
  // (the linux-5.2-sigframe conditions). kChurnIterations deliveries instead of
  // kSignalIterations.
  bool churn = false;
};

void run_signal_case(const SignalCaseSpec& spec, const CaseContext& ctx, CaseResult& r);

// Iterations per case and, for async, signals per iteration.
constexpr unsigned kSignalIterations = 8;
constexpr unsigned kAsyncIterations = 4;
constexpr unsigned kAsyncSignalsPerIteration = 64;
constexpr unsigned kChurnIterations = 64;

}  // namespace sigctx
