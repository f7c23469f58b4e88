// Runs one context case: per iteration, hold a pattern across a user-context transition
// (getcontext/setcontext, swapcontext, a resume from or inside a signal handler, a resume on
// another thread) while other code loads its own pattern in every component, then compare what
// came back. The libc's promise is the judge (results/expectations/linux-glibc.json): the
// engine checks every component and reports every difference.
#pragma once

#include "engine/case.h"

namespace sigctx {

enum class ContextTransition {
  kSetcontext,          // getcontext, irritate, setcontext
  kSwapcontext,         // swapcontext to a makecontext context that irritates and swaps back
  kHandlerSetcontext,   // a handler resumes the interrupted code with setcontext(its ucontext)
  kHandlerSwapcontext,  // a handler holds its own pattern across swapcontext, then returns
  kThread,              // captured on one thread, which exits; resumed on another
};
const char* context_transition_name(ContextTransition t);

struct ContextCaseSpec {
  ContextTransition transition = ContextTransition::kSetcontext;
  ComponentMask components = 0;  // 0 = every available component
};

void run_context_case(const ContextCaseSpec& spec, const CaseContext& ctx, CaseResult& r);

constexpr unsigned kContextIterations = 8;

}  // namespace sigctx
