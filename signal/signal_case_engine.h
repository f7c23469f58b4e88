// Runs one signal case: per iteration, fill a pattern, hold it across one or more signal
// deliveries with the handler irritating every component, then compare what came back (and,
// per transition, the frame, the edit, the nested level, the altstack guards).
#pragma once

#include <string>

#include "runners/case.h"

namespace sigctx {

enum class SignalTransition { kSync, kAsync, kFrame, kEdit, kNested, kAltstack };
const char* transition_name(SignalTransition t);

struct SignalCaseSpec {
  SignalTransition transition = SignalTransition::kSync;
  ComponentMask components = 0;  // 0 = every available component (for frame/edit: in the frame)
  Shape shape = Shape::kLanes;
  bool mixed = false;  // alternate lanes and zero across components (seeded)
};

void run_signal_case(const SignalCaseSpec& spec, const CaseContext& ctx, CaseResult& r);

// Iterations per case and, for async, signals per iteration.
constexpr unsigned kSignalIterations = 8;
constexpr unsigned kAsyncIterations = 4;
constexpr unsigned kAsyncSignalsPerIteration = 64;

}  // namespace sigctx
