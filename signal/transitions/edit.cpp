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
};

}  // namespace

std::unique_ptr<SignalTransition> make_edit_transition() {
  return std::make_unique<Edit>();
}

}  // namespace sigctx
