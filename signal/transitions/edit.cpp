// signal/edit: the handler writes a new pattern into its frame (setting XSTATE_BV), as
// debuggers, JITs and user-space schedulers do; sigreturn must load the edited values.
#include "engine/case_support.h"
#include "signal/signal_transition.h"

namespace sigctx {
namespace {

class Edit : public SignalTransition {
 public:
  const char* name() const override { return "edit"; }
  const char* handler() const override { return "frame-edit, clobber"; }
  const char* what() const override {
    return "the handler writes a new pattern into the frame (setting XSTATE_BV); after "
           "sigreturn the interrupted code must see the new values";
  }
  void add_guards(const SignalVariant& v, std::vector<std::string>& g) const override {
    // Valgrind honours GPR edits; an edit of any other register is lost.
    const ComponentMask gprs =
        component_bit(ComponentId::kGpr) | component_bit(ComponentId::kRflags);
    if (v.components == 0 || (v.components & ~gprs)) g.push_back("valgrind-sigcontext");
  }
  bool handler_patterns_pkru() const override { return true; }
  bool needs_frame() const override { return true; }

  bool arm(SignalRun& run, CaseResult&) override {
    run.edited = run.loaded & in_signal_frame(~ComponentMask{0});
    run.img.edit->clear();
    run.fill(*run.img.edit, run.edited, run.ed, false);
    run.plan.edit_image = run.img.edit.get();
    run.plan.edit_mask = run.edited;
    return true;
  }
  ReproducerHooks reproducer_hooks() const override {
    return {
        "#define SIGNO SIGUSR1\n#define PER_HOLD 1\n#define EXPECT EDIT\n#define EXPECT_INIT 0u\n",
        R"C(
/* signal/edit: the handler writes the frame edit's values into its frame (the XSAVE area, with
 * their XSTATE_BV bits, and the GPRs); sigreturn must load them. */
static void set_up(struct sigaction *sa) { (void)sa; }
static void arm(void) { arm_tgkill(SIGNO); }
static void disarm(void) {}
static int on_entry(int lv, ucontext_t *uc, uint8_t *xs) {
  if (lv != 1) return 1;
  if (!xs) return no_xsave_area();
  uint64_t g[NGPR + 1] = {0};
  for (int i = 0; i < NGPR; i++) g[i] = uc->uc_mcontext.gregs[greg_of[i]];
  put_role(xs, g, EDIT);
  for (int i = 0; i < NGPR; i++) uc->uc_mcontext.gregs[greg_of[i]] = g[i];
  return 1;
}
)C"};
  }
};

}  // namespace

std::unique_ptr<SignalTransition> make_edit_transition() {
  return std::make_unique<Edit>();
}

}  // namespace sigctx
