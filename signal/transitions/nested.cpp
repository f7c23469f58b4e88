// signal/nested: the level-1 handler holds its own pattern across a second signal raised from
// inside it, so the kernel saves and restores a handler's state too, in a frame on top of the
// first.
#include <fmt/format.h>

#include "engine/case_support.h"
#include "signal/signal_transition.h"

namespace sigctx {
namespace {

class Nested : public SignalTransition {
 public:
  const char* name() const override { return "nested"; }
  const char* handler() const override { return "nested hold, clobber"; }
  const char* injector() const override { return "raw tgkill syscall, then from the handler"; }
  const char* what() const override {
    return "the handler holds its own pattern across a second, nested signal; both levels must "
           "come back intact";
  }
  bool handler_patterns_pkru() const override { return true; }

  bool prepare(SignalRun& run, CaseResult& r) override {
    SignalTransition::prepare(run, r);
    install_handler(kNestedSignal, false);
    return true;
  }

  bool arm(SignalRun& run, CaseResult&) override {
    SignalImages& img = run.img;
    img.nested_in->clear();
    run.fill(*img.nested_in, run.loaded, run.h1, false);
    set_tgkill_args(*img.nested_in, run.pid, run.tid, kNestedSignal);
    // Inside the handler the GS base to put back is the interrupted code's: sigreturn will
    // not restore it. (FS base is put back by the handler entry itself.)
    const uint64_t handler_gs =
        (run.loaded & component_bit(ComponentId::kGsbase)) ? img.in->gsbase : run.host_gs;
    img.nested_in->host_fsbase = sigctx_host_fsbase;
    img.nested_in->host_gsbase = handler_gs;
    img.nested_out->clear();
    img.nested_out->host_fsbase = sigctx_host_fsbase;
    img.nested_out->host_gsbase = handler_gs;
    hold_ = {img.nested_in.get(), img.nested_out.get(), run.hold};
    hold_.plan.loaders = run.nested_loaders.data();
    run.plan.nested = &hold_;
    return true;
  }

  void check(SignalRun& run, CaseResult& r) override {
    CpuImage& nexp = *run.img.nested_expected;
    nexp = *run.img.nested_in;
    nexp.gpr[kRax] = 0;
    nexp.gpr[kRsp] = run.img.nested_out->rsp_before;
    ClassifyContext cls_nested = run.cls;
    cls_nested.expected = {run.h1, Shape::kLanes};
    DiffOptions o = run.options(run.loaded, "in the level-1 handler across the nested signal");
    o.gpr_skip = (1u << kRcx) | (1u << kR11);
    r.add_diffs(diff_images(nexp, *run.img.nested_out, run.m, o, cls_nested));
    run.plan.nested = nullptr;
  }

  void add_facts(const SignalRun& run, CaseResult& r) const override {
    r.facts["nested_signals"] = run.plan.delivered[2].load();
  }

  void uninstall(SignalRun& run) override {
    SignalTransition::uninstall(run);
    uninstall_handler(kNestedSignal);
  }

  std::string shortfall(const SignalRun& run) const override {
    const uint64_t delivered = run.plan.delivered[1].load();
    const uint64_t nested = run.plan.delivered[2].load();
    if (delivered >= run.intended && nested >= run.intended) return "";
    return fmt::format("delivered {} of {} intended signals and {} nested", delivered, run.intended,
                       nested);
  }

 private:
  NestedHold hold_;
  ReproducerHooks reproducer_hooks() const override {
    return {
        "#define SIGNO SIGUSR1\n#define PER_HOLD 1\n#define EXPECT MAIN\n#define EXPECT_INIT 0u\n",
        R"C(
/* signal/nested: handler level 1 holds its own values across a second signal (SIGUSR2, same
 * handler, level 2), then checks them; level 2 clobbers every register. */
static uint8_t *got1;
static uint64_t got1_gpr[NGPR + 1];
static void set_up(struct sigaction *sa) {
  got1 = aligned_alloc(64, xsave_bytes);
  sigaction(SIGUSR2, sa, NULL);
}
static void arm(void) { arm_tgkill(SIGNO); }
static void disarm(void) {}
static int on_entry(int lv, ucontext_t *uc, uint8_t *xs) {
  (void)uc, (void)xs;
  if (lv != 1) return 1;
  struct transition tr2 = {SYS_tgkill, {getpid(), syscall(SYS_gettid), SIGUSR2}, 1, NULL};
  memset(got1, 0, xsave_bytes);
  uint64_t interrupted_gs = 0; /* GS base is not in the frame: the handler puts it back itself */
  if (HAS_GSBASE) {
    syscall(SYS_arch_prctl, 0x1004 /* ARCH_GET_GS */, &interrupted_gs);
    syscall(SYS_arch_prctl, 0x1001 /* ARCH_SET_GS */, gpr[HANDLER1][NGPR]);
  }
  live_transition(img[HANDLER1], got1, gpr[HANDLER1], got1_gpr, &tr2);
  if (HAS_GSBASE) {
    syscall(SYS_arch_prctl, 0x1004 /* ARCH_GET_GS */, &got1_gpr[NGPR]);
    syscall(SYS_arch_prctl, 0x1001 /* ARCH_SET_GS */, interrupted_gs);
  }
  normalise(got1);
  trouble += compare(got1, got1_gpr, HANDLER1, 0, "in handler level 1 after the nested signal");
  return 1;
}
)C"};
  }
};

}  // namespace

std::unique_ptr<SignalTransition> make_nested_transition() {
  return std::make_unique<Nested>();
}

}  // namespace sigctx
