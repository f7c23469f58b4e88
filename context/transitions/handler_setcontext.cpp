// context/handler-setcontext: a signal handler loads its own pattern and resumes the interrupted
// code with setcontext on the ucontext the kernel gave it, instead of returning (what some
// green-thread runtimes do). The libc may crash doing so: each resume runs in a grandchild that
// reports where a fatal signal hit.
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/tied_fork.h"
#include "context/context_control.h"
#include "context/context_transition.h"
#include "engine/case_support.h"
#include "engine/handler.h"

namespace sigctx {
namespace {

class HandlerSetcontext : public ContextTransition {
 public:
  const char* name() const override { return "handler-setcontext"; }
  const char* handler() const override { return "irritate, then setcontext(its ucontext)"; }
  const char* injector() const override { return "raw tgkill syscall in a forked child"; }
  const char* routine() const override { return "sigctx_context_handler_setcontext"; }
  const char* what() const override {
    return "the signal handler loads its own pattern and resumes the interrupted code with "
           "setcontext on the ucontext it was given, instead of returning";
  }
  bool in_handler() const override { return true; }
  const char* where() const override { return "after setcontext of the handler's ucontext"; }

  bool resume(ContextRun& run, CaseResult& r) override {
    ContextShared& s = run.s;
    const pid_t child = fork_tied_to_parent();
    if (child == 0) {
      install_crash_recorder();
      set_signal_handler(kPrimarySignal, sigctx_context_handler_setcontext);
      set_tgkill_args(s.in, getpid(), static_cast<pid_t>(syscall(SYS_gettid)), kPrimarySignal);
      sigctx_hold(&s.in, &s.out, &run.syscall_plan);
      s.mask_after = current_sigmask();
      s.handler_deliveries += sigctx_context_control.delivered;
      _exit(0);
    }
    std::string detail;
    const GrandchildEnd end = wait_for_grandchild(child, 10000, &detail);
    if (end != GrandchildEnd::kExitedZero && s.crash_signal == 0) {
      r.set_error(fmt::format("the resuming process {}",
                              end == GrandchildEnd::kSegv ? "died of SIGSEGV" : detail));
      return false;
    }
    return true;
  }
};

}  // namespace

std::unique_ptr<ContextTransition> make_handler_setcontext_transition() {
  return std::make_unique<HandlerSetcontext>();
}

}  // namespace sigctx
