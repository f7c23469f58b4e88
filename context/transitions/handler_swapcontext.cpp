// context/handler-swapcontext: a signal handler holds its own pattern across a swapcontext to a
// makecontext context and back, then returns: the interrupted code must get everything back
// through sigreturn, the handler what the libc promises.
#include "context/context_control.h"
#include "context/context_transition.h"
#include "context/sigmask_check.h"
#include "engine/handler.h"

namespace sigctx {
namespace {

// The level-1 handler: holds its own pattern across a swapcontext to the side context, then
// returns through sigreturn.
void hold_across_swapcontext(int, siginfo_t*, void*) {
  ContextRun& run = running_context();
  ContextShared& s = run.s;
  ++s.handler_deliveries;
  s.handler_mask_before = current_sigmask();
  sigctx_context_control.primary = &s.handler_primary;
  sigctx_active_routine = reinterpret_cast<const char*>(&sigctx_context_routine_swapcontext);
  sigctx_hold(&s.handler_in, &s.handler_out, &run.routine_plan);
  s.handler_mask_after = current_sigmask();
}

class HandlerSwapcontext : public ContextTransition {
 public:
  const char* name() const override { return "handler-swapcontext"; }
  const char* handler() const override { return "holds its own pattern across swapcontext"; }
  const char* injector() const override { return "raw tgkill syscall"; }
  const char* routine() const override { return "sigctx_context_routine_swapcontext"; }
  const char* what() const override {
    return "the signal handler holds its own pattern across a swapcontext to a makecontext "
           "context and back, then returns: the interrupted code must get everything back "
           "through sigreturn, the handler what the libc promises";
  }
  bool in_handler() const override { return true; }
  const char* where() const override {
    return "after sigreturn from a handler that swapped contexts";
  }

  void prepare(ContextRun&) override {
    set_signal_handler(kPrimarySignal, hold_across_swapcontext);
  }

  void arm(ContextRun& run) override {
    // The handler holds a pattern of its own; the side context irritates with a third.
    ContextShared& s = run.s;
    run.fill(s.handler_in, run.loaded, handler_pattern(run));
    run.fill(s.handler_out, 0, run.main);
    run.fill(s.side_irritator, run.irritated, run.side);
    sigctx_context_control.irritator = &s.side_irritator;
  }

  bool resume(ContextRun& run, CaseResult&) override {
    prepare_side_context(run.s);
    sigctx_hold(&run.s.in, &run.s.out, &run.syscall_plan);
    run.s.mask_after = current_sigmask();
    return true;
  }

  void expect(const ContextRun&, CpuImage& expected, uint16_t& gpr_skip) const override {
    // sigreturn restores every register; SYSCALL clobbered rcx and r11.
    expected.gpr[kRax] = 0;
    gpr_skip = (1u << kRcx) | (1u << kR11);
  }

  void add_known(const ContextRun& run, ClassifyContext& cls) const override {
    cls.known.push_back({run.side, Shape::kLanes});
  }

  void check(ContextRun& run, const DiffOptions& o, const ClassifyContext& cls,
             CaseResult& r) override {
    const ContextShared& s = run.s;
    CpuImage hexp = s.handler_in;
    hexp.gpr[kRsp] = s.handler_out.rsp_before;
    hexp.fsbase = s.resuming_fsbase;
    hexp.gsbase = s.resuming_gsbase;
    ClassifyContext hcls = cls;
    hcls.expected = {handler_pattern(run), Shape::kLanes};
    hcls.known.push_back(hcls.expected);
    DiffOptions ho = o;
    ho.gpr_skip = kCallerSavedGprs;
    ho.where = "in the handler across swapcontext";
    ho.injection = swapcontext_point();
    r.add_diffs(diff_images(hexp, s.handler_out, run.m, ho, hcls));
    if (auto f = check_sigmask(s.handler_mask_before, s.handler_mask_after, ho.where))
      r.findings.push_back(*f);
  }

  void finish(ContextRun&) override { uninstall_handler(kPrimarySignal); }

 private:
  static PatternSource handler_pattern(const ContextRun& run) {
    return {run.tag, handler_role(1), run.gen};
  }
};

}  // namespace

std::unique_ptr<ContextTransition> make_handler_swapcontext_transition() {
  return std::make_unique<HandlerSwapcontext>();
}

}  // namespace sigctx
