// context/swapcontext: swapcontext to a makecontext context that irritates and swaps back.
#include "context/context_control.h"
#include "context/context_transition.h"

namespace sigctx {
namespace {

class Swapcontext : public ContextTransition {
 public:
  const char* name() const override { return "swapcontext"; }
  const char* handler() const override { return "none"; }
  const char* injector() const override { return "swapcontext to a makecontext context and back"; }
  const char* routine() const override { return "sigctx_context_routine_swapcontext"; }
  const char* what() const override {
    return "swapcontext to a makecontext context that loads another pattern everywhere and "
           "swaps back; judged by what the libc promises to restore";
  }
  const char* where() const override { return "after swapcontext"; }
  InjectionPoint injection_point() const override { return swapcontext_point(); }
  bool resume(ContextRun& run, CaseResult&) override {
    prepare_side_context(run.s);
    hold_in_routine(run, reinterpret_cast<const void*>(&sigctx_context_routine_swapcontext));
    run.s.mask_after = current_sigmask();
    return true;
  }
};

}  // namespace

InjectionPoint swapcontext_point() {
  return routine_point("sigctx_context_routine_swapcontext",
                       reinterpret_cast<const void*>(&sigctx_context_routine_swapcontext),
                       sigctx_context_swapcontext_resumed);
}

std::unique_ptr<ContextTransition> make_swapcontext_transition() {
  return std::make_unique<Swapcontext>();
}

}  // namespace sigctx
