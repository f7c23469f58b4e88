// context/setcontext: getcontext, another pattern everywhere, then setcontext back.
#include "context/context_control.h"
#include "context/context_transition.h"

namespace sigctx {
namespace {

class Setcontext : public ContextTransition {
 public:
  const char* name() const override { return "setcontext"; }
  const char* handler() const override { return "none"; }
  const char* injector() const override { return "getcontext, then setcontext"; }
  const char* routine() const override { return "sigctx_context_routine_setcontext"; }
  const char* what() const override {
    return "getcontext, then another pattern in every component, the callee-saved GPRs and the "
           "signal mask, then setcontext back; judged by what the libc promises to restore";
  }
  const char* where() const override { return "after setcontext"; }
  InjectionPoint injection_point() const override {
    return routine_point(routine(),
                         reinterpret_cast<const void*>(&sigctx_context_routine_setcontext),
                         sigctx_context_setcontext_resumed);
  }
  bool resume(ContextRun& run, CaseResult&) override {
    hold_in_routine(run, reinterpret_cast<const void*>(&sigctx_context_routine_setcontext));
    run.s.mask_after = current_sigmask();
    return true;
  }
};

}  // namespace

std::unique_ptr<ContextTransition> make_setcontext_transition() {
  return std::make_unique<Setcontext>();
}

}  // namespace sigctx
