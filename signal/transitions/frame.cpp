// signal/frame: the handler copies its signal frame, and the case reads every loaded component
// out of it: the frame's ABI fields must be right and its saved values the interrupted code's.
#include <fmt/format.h>

#include "engine/frame_abi.h"
#include "signal/signal_transition.h"
#include "xstate/component_registry.h"

namespace sigctx {
namespace {

class Frame : public SignalTransition {
 public:
  const char* name() const override { return "frame"; }
  const char* handler() const override { return "frame-inspect, clobber"; }
  const char* what() const override {
    return "the handler copies the signal frame; its ABI fields (magics, sizes, xfeatures, "
           "XSTATE_BV, XCOMP_BV, rip) and saved values must match what the interrupted code held";
  }
  void add_guards(const SignalVariant&, std::vector<std::string>& g) const override {
    g.push_back("valgrind-sigcontext");  // the frame must carry the FPU state
  }
  bool needs_frame() const override { return true; }

  bool arm(SignalRun& run, CaseResult&) override {
    run.plan.snapshot = run.img.snapshot.get();
    return true;
  }

  void check(SignalRun& run, CaseResult& r) override {
    if (!run.img.snapshot->captured) return;
    const Machine& m = run.m;
    SignalFrame frame = SignalFrame::of(*run.img.snapshot);
    // What the hardware tracked as in use at the transition, beside what the frame declares.
    r.facts["xinuse_at_transition"] = fmt::format("{:#x}", run.img.out->xinuse);
    r.facts["frame_xstate_bv"] = fmt::format("{:#x}", frame.xstate_bv());
    r.facts["frame_xfeatures"] = fmt::format("{:#x}", frame.xfeatures());
    for (auto& f : check_frame_abi(frame, m, {run.interrupted_rip, run.loaded, run.img.in.get()}))
      r.findings.push_back(std::move(f));
    const CpuImage& expected = *run.img.expected;
    *run.img.seen = expected;
    ComponentMask readable = 0;
    for (const ComponentDescriptor* c : all_components()) {
      if (!(run.loaded & component_bit(c->id))) continue;
      std::string why;
      if (frame.read(*c, m, *run.img.seen, &why)) {
        readable |= component_bit(c->id);
      } else {
        r.findings.push_back({fmt::format("frame.{}", c->name),
                              fmt::format("the frame does not hold {}: {}", c->name, why),
                              "present", "absent"});
      }
    }
    r.add_diffs(diff_images(expected, *run.img.seen, m,
                            run.options(readable, "in the signal frame"), run.cls));
  }
  ReproducerHooks reproducer_hooks() const override {
    return {
        "#define SIGNO SIGUSR1\n#define PER_HOLD 1\n#define EXPECT MAIN\n#define EXPECT_INIT 0u\n",
        R"C(
/* signal/frame: the handler compares its signal frame (the XSAVE area and the GPRs) with the
 * values the interrupted code held; after sigreturn the registers are compared too. */
static uint8_t *seen;
static void set_up(struct sigaction *sa) { (void)sa, seen = aligned_alloc(64, xsave_bytes); }
static void arm(void) { arm_tgkill(SIGNO); }
static void disarm(void) {}
static int on_entry(int lv, ucontext_t *uc, uint8_t *xs) {
  if (lv != 1) return 1;
  if (!xs) return no_xsave_area();
  uint32_t size; /* the frame's xstate_size */
  memcpy(&size, xs + 464 + 16, 4);
  memset(seen, 0, xsave_bytes);
  memcpy(seen, xs, size < xsave_bytes ? size : xsave_bytes);
  normalise(seen);
  uint64_t g[NGPR + 1] = {0};
  for (int i = 0; i < NGPR; i++) g[i] = uc->uc_mcontext.gregs[greg_of[i]];
  trouble += compare(seen, g, MAIN, 0, "in the signal frame");
  return 1;
}
)C"};
  }
};

}  // namespace

std::unique_ptr<SignalTransition> make_frame_transition() {
  return std::make_unique<Frame>();
}

}  // namespace sigctx
