#include "context/context_cases.h"

#include <fmt/format.h>

#include "context/context_api.h"
#include "context/context_case_engine.h"
#include "xstate/component_registry.h"

namespace sigctx {

namespace {

struct TransitionInfo {
  ContextTransition transition;
  const char* handler;
  const char* injector;
  const char* kernel;
  const char* what;  // completes "...: <what>"
};

constexpr TransitionInfo kTransitions[] = {
    {ContextTransition::kSetcontext, "none", "getcontext, then setcontext",
     "sigctx_context_kernel_setcontext",
     "getcontext, then another pattern in every component, the callee-saved GPRs and the signal "
     "mask, then setcontext back; judged by what the libc promises to restore"},
    {ContextTransition::kSwapcontext, "none", "swapcontext to a makecontext context and back",
     "sigctx_context_kernel_swapcontext",
     "swapcontext to a makecontext context that loads another pattern everywhere and swaps "
     "back; judged by what the libc promises to restore"},
    {ContextTransition::kHandlerSetcontext, "irritate, then setcontext(its ucontext)",
     "raw tgkill syscall in a forked child", "sigctx_context_handler_setcontext",
     "the signal handler loads its own pattern and resumes the interrupted code with "
     "setcontext on the ucontext it was given, instead of returning"},
    {ContextTransition::kHandlerSwapcontext, "holds its own pattern across swapcontext",
     "raw tgkill syscall", "sigctx_context_kernel_swapcontext",
     "the signal handler holds its own pattern across a swapcontext to a makecontext context "
     "and back, then returns: the interrupted code must get everything back through sigreturn, "
     "the handler what the libc promises"},
    {ContextTransition::kThread, "none", "getcontext on a thread that exits; setcontext on another",
     "sigctx_context_kernel_capture_exit",
     "a thread captures its pattern with getcontext and exits; another thread loads its own "
     "pattern and resumes the context with setcontext; FS and GS base must stay the resuming "
     "thread's"},
};

std::vector<std::string> guards_for(ContextTransition t) {
  std::vector<std::string> g;
  // Every resume on another thread checks that FS base stays the resuming thread's.
  if (t == ContextTransition::kThread) g.push_back("illumos-15206");
  return g;
}

CaseDescriptor make_case(const TransitionInfo& ti, std::string variant, std::string description,
                         ComponentMask mask) {
  CaseDescriptor d;
  d.id = fmt::format("context/{}/{}", context_transition_name(ti.transition), variant);
  d.description = fmt::format("{}: {}", description, ti.what);
  d.guards = guards_for(ti.transition);
  d.transition = fmt::format("context/{}", context_transition_name(ti.transition));
  d.handler = ti.handler;
  d.injector = ti.injector;
  d.kernel = ti.kernel;
  d.components = mask;
  d.applicable = [mask](const Machine& m) {
    if (Availability a = context_api_available(); !a.ok) return a;
    return components_available(mask, m);
  };
  const ContextCaseSpec spec{ti.transition, mask};
  d.run = [spec](const CaseContext& ctx, CaseResult& r) { run_context_case(spec, ctx, r); };
  return d;
}

}  // namespace

std::vector<CaseDescriptor> context_cases() {
  std::vector<CaseDescriptor> cases;
  for (const TransitionInfo& ti : kTransitions) {
    for (const ComponentDescriptor* c : all_components()) {
      if (c->id == ComponentId::kRflags) continue;  // a call preserves no status flag
      cases.push_back(
          make_case(ti, std::string(c->name), std::string(c->description), component_bit(c->id)));
    }
    cases.push_back(make_case(ti, "all", "every available component at once", 0));
  }
  return cases;
}

}  // namespace sigctx
